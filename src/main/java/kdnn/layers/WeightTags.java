package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

/**
 * oneDNN format tags that name Keras' kernel layouts, so oneDNN reads Keras' weights as they are
 * (reorders then pack them for the primitive once).
 */
final class WeightTags {
    private WeightTags() {
    }

    /** Keras conv kernel (k..., in, out) over logical {out, in, k...}. */
    static int io(int rank) {
        return switch (rank) {
            case 1 -> dnnl_wio();
            case 2 -> dnnl_hwio();
            default -> dnnl_dhwio();
        };
    }

    /** Keras transposed kernel (k..., filters, in) over logical {filters, in, k...}. */
    static int oi(int rank) {
        return switch (rank) {
            case 1 -> dnnl_woi();
            case 2 -> dnnl_hwoi();
            default -> dnnl_dhwoi();
        };
    }

    /** Keras grouped/depthwise kernel (k..., in/g, out) over logical {G, O/G, I/G, k...}. */
    static int igo(int rank) {
        return switch (rank) {
            case 1 -> dnnl_wigo();
            case 2 -> dnnl_hwigo();
            default -> dnnl_dhwigo();
        };
    }
}
