package kdnn.keras;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
public final class Initializers {
  public static Initializer get(JsonNode n) {
    String name = n.isTextual() ? n.asText() : n.path("class_name").asText();
    return new Initializer() {
      public float[] initialize(int[] shape) { long c = 1; for (int d : shape) c *= d; float[] f = new float[(int) c]; java.util.Random r = new java.util.Random(1); if (!name.toLowerCase().contains("zero")) for (int i = 0; i < f.length; i++) f[i] = (float) (r.nextDouble() * 0.2 - 0.1); return f; }
      public ObjectNode toConfig() { ObjectNode o = JsonNodeFactory.instance.objectNode(); o.put("class_name", name); o.putObject("config"); return o; }
    };
  }
}
