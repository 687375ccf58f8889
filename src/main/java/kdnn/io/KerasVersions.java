package kdnn.io;

/** Keras version strings as files write them: "2.12.0", "3.15.1", "2.2.4-tf", "1.2.2". */
final class KerasVersions {
    private KerasVersions() {
    }

    /** The major version, or 0 when the string is null or does not start with a number. */
    static int major(String version) {
        if (version == null) {
            return 0;
        }
        int end = 0;
        while (end < version.length() && end < 4 && Character.isDigit(version.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(version.substring(0, end));
    }

    /**
     * True for standalone Keras 2.0 to 2.2 ("2.2.4", not tf.keras' "2.2.4-tf"): its backends
     * upsample bilinearly as TensorFlow 1's {@code resize_bilinear} (no half-pixel centres), where
     * tf.keras 2.x and Keras 3 use TensorFlow 2's half-pixel rule.
     */
    static boolean bilinearWithoutHalfPixelCentres(String version) {
        return version != null && version.matches("2\\.[0-2](\\.\\d+)*");
    }
}
