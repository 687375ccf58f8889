package kdnn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Where the shared test data is, and seeded random inputs. */
public final class TestData {
    private TestData() {
    }

    /** {@code ../shared} beside the checkout (the pom passes it as kdnn.shared). */
    public static Path shared() {
        Path p = Path.of(System.getProperty("kdnn.shared", "../shared"));
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("shared test data not found at " + p.toAbsolutePath()
                    + " (set -Dkdnn.shared=DIR)");
        }
        return p;
    }

    public static Path goldenCases() {
        return shared().resolve("golden/cases");
    }

    /** The cases of the layers around the convolutions (and the later Keras 2 convolutions). */
    public static Path goldenSurrounding() {
        return shared().resolve("golden/surrounding");
    }

    public static Path models() {
        return shared().resolve("models");
    }

    /** Values uniform in [-1, 1). */
    public static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }
}
