package kdnn.keras;
import com.fasterxml.jackson.databind.node.ObjectNode;
public interface Constraint { float[] apply(float[] w, int[] shape); ObjectNode toConfig(); }
