package kdnn.internal;

/**
 * How a plan runs one layer (a folded ZeroPadding, channels-last edges, a fused residual sum):
 * made by {@link LayerBridge#variant}, read only inside {@code kdnn.layers}, so the planner
 * chooses variants without the layers' representation of them being API.
 */
public interface RunVariant {
}
