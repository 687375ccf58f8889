package kdnn.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/**
 * Model files cut short or with bits flipped anywhere: reading either refuses with a
 * ModelFileException or (a cut past the last byte read, a flip in weight data, which HDF5 does
 * not checksum) gives a model; never another exception, never an Error. Runs in its own JVM
 * (the pom's hostile-input execution). The files are Keras' and the golden ones where
 * ../shared is present, else ones made here.
 */
class HostileModelFileProperties {
    private static final List<byte[]> FILES = load();

    private static List<byte[]> load() {
        List<byte[]> out = new ArrayList<>();
        try {
            Path shared = Path.of(System.getProperty("kdnn.shared", "../shared"));
            if (Files.isDirectory(shared)) {
                for (String f : List.of("keras-files/keras-2.3.1-conv1d/conv1d_k2_s1_d1_cl_same_model.h5",
                        "functional-models/nested/model.h5", "functional-models/nested/model.keras",
                        "keras-files/keras-3.15.1/k3_sequential_1d/model.h5")) {
                    out.add(Files.readAllBytes(shared.resolve(f)));
                }
            } else {
                Path dir = Files.createTempDirectory("kdnn-io-hostile");
                out.add(Files.readAllBytes(Fixtures.keras2Model(dir.resolve("model.h5"))));
                out.add(Fixtures.keras3Model(dir.resolve("model.weights.h5")));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    @Provide
    Arbitrary<Tuple2<Integer, Double>> fileAndFraction() {
        return Arbitraries.integers().between(0, FILES.size() - 1).flatMap(f ->
                Arbitraries.doubles().between(0, 1).map(x -> Tuple.of(f, x)));
    }

    @Property(tries = 300)
    void aTruncatedFileIsRefusedOrReadsWhole(@ForAll("fileAndFraction") Tuple2<Integer, Double> cut) throws IOException {
        byte[] file = FILES.get(cut.get1());
        byte[] part = java.util.Arrays.copyOf(file, (int) (file.length * cut.get2()));
        ModelSource read = readOrRefuse(part);
        if (read != null) {
            GoldenFormatsTest.assertSameWeights(ModelReader.read(file).weights(), read.weights(), "cut at " + part.length, true);
        }
    }

    @Property(tries = 400)
    void flippedBitsAreRefusedOrRead(@ForAll("fileAndFraction") Tuple2<Integer, Double> where,
                                     @ForAll("flips") List<Integer> bits) throws IOException {
        byte[] file = FILES.get(where.get1()).clone();
        int at = (int) ((file.length - 1) * where.get2());
        for (int b : bits) {
            int pos = Math.floorMod(at + b / 8, file.length);
            file[pos] ^= (byte) (1 << (b & 7));
        }
        readOrRefuse(file);
    }

    @Provide
    Arbitrary<List<Integer>> flips() {
        return Arbitraries.integers().between(0, 8 * 4096).list().ofMinSize(1).ofMaxSize(8);
    }

    /** The source, or null when refused; any other outcome fails the property. */
    private static ModelSource readOrRefuse(byte[] bytes) throws IOException {
        try {
            return ModelReader.read(bytes);
        } catch (ModelFileException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("a refusal without a message", e);
            return null;
        }
    }
}
