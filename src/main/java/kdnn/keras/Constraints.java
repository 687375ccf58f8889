package kdnn.keras;
import com.fasterxml.jackson.databind.JsonNode;
public final class Constraints { public static Constraint get(JsonNode n) { return null; } }
