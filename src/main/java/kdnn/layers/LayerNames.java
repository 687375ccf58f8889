package kdnn.layers;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Keras' default layer names: conv2d, conv2d_1, conv2d_2, ... */
final class LayerNames {
    private static final Map<String, AtomicInteger> COUNTS = new ConcurrentHashMap<>();

    private LayerNames() {
    }

    static String next(String className) {
        String base = snake(className);
        int n = COUNTS.computeIfAbsent(base, k -> new AtomicInteger()).getAndIncrement();
        return n == 0 ? base : base + "_" + n;
    }

    /** Conv2DTranspose -> conv2d_transpose, ZeroPadding2D -> zero_padding2d, PReLU -> p_re_lu, as Keras names them. */
    static String snake(String className) {
        String s = className.replaceAll("(.)([A-Z][a-z0-9]+)", "$1_$2").replaceAll("([a-z])([A-Z])", "$1_$2");
        return s.toLowerCase(java.util.Locale.ROOT);
    }
}
