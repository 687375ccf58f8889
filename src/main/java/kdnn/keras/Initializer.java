package kdnn.keras;
import com.fasterxml.jackson.databind.node.ObjectNode;
public interface Initializer { float[] initialize(int[] shape); ObjectNode toConfig(); }
