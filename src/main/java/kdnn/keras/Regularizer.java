package kdnn.keras;
import com.fasterxml.jackson.databind.node.ObjectNode;
public interface Regularizer { double penalty(float[] w); ObjectNode toConfig(); }
