package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/** The oneDNN shape layers against {@link ShapeReference}: random shapes, both layouts, exact equality. */
class ShapeLayersTest {
    private static final int TRIALS = 40;

    private final Random random = new Random(20240611);

    private long[] randomShape(int rank, boolean cf, int minSpatial) {
        long[] s = new long[rank + 2];
        s[0] = 1 + random.nextInt(3);
        int maxSpatial = rank == 3 ? 5 : 9;
        for (int i = 0; i < rank; i++) s[cf ? 2 + i : 1 + i] = minSpatial + random.nextInt(maxSpatial - minSpatial + 1);
        s[cf ? 1 : rank + 1] = 1 + random.nextInt(5);
        return s;
    }

    private float[] randomData(long[] shape) {
        float[] x = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < x.length; i++) x[i] = random.nextFloat() * 2 - 1 + (i % 7 == 0 ? 1e-30f : 0);
        return x;
    }

    private boolean randomFormat(int rank) {
        return rank > 1 && random.nextBoolean();
    }

    private static DataFormat format(boolean cf) {
        return cf ? DataFormat.CHANNELS_FIRST : DataFormat.CHANNELS_LAST;
    }

    private static int[] flat(int[][] pairs) {
        return Arrays.stream(pairs).flatMapToInt(Arrays::stream).toArray();
    }

    /** Runs the layer twice: once into a fresh tensor, once into one full of garbage. */
    private static void check(ShapeLayer layer, float[] x, long[] shape, long[] wantShape, float[] want) {
        try (Tensor in = Tensor.of(x, shape); Tensor out = layer.call(in)) {
            assertArrayEquals(wantShape, out.shape(), layer + " shape for input " + Arrays.toString(shape));
            assertArrayEquals(want, out.toFloatArray(), layer + " values for input " + Arrays.toString(shape));
            float[] garbage = new float[want.length];
            Arrays.fill(garbage, Float.NaN);
            out.copyFrom(garbage);
            layer.call(in, out);
            assertArrayEquals(want, out.toFloatArray(), layer + " values (reused output) for " + Arrays.toString(shape));
        }
    }

    private static ShapeBuilder<? extends ShapeLayer> builder(ShapeLayer.Kind kind, int rank) {
        return switch (kind) {
            case CROPPING -> rank == 1 ? Cropping1D.builder() : rank == 2 ? Cropping2D.builder() : Cropping3D.builder();
            case ZERO_PADDING -> rank == 1 ? ZeroPadding1D.builder() : rank == 2 ? ZeroPadding2D.builder()
                    : ZeroPadding3D.builder();
            case UP_SAMPLING -> rank == 1 ? UpSampling1D.builder() : rank == 2 ? UpSampling2D.builder()
                    : UpSampling3D.builder();
        };
    }

    @Test
    void zeroPaddingMatchesReference() {
        for (int t = 0; t < TRIALS; t++) {
            int rank = 1 + t % 3;
            boolean cf = randomFormat(rank);
            int[][] pads = new int[rank][2];
            for (int[] p : pads) { p[0] = random.nextInt(4); p[1] = random.nextInt(4); }
            try (ShapeLayer layer = builder(ShapeLayer.Kind.ZERO_PADDING, rank).dataFormat(format(cf))
                    .padding(flat(pads)).build()) {
                for (int k = 0; k < 2; k++) { // two input shapes through one layer: two cached pipelines
                    long[] shape = randomShape(rank, cf, 1);
                    float[] x = randomData(shape);
                    check(layer, x, shape, ShapeReference.padShape(shape, cf, pads), ShapeReference.pad(x, shape, cf, pads));
                }
            }
        }
    }

    @Test
    void croppingMatchesReference() {
        for (int t = 0; t < TRIALS; t++) {
            int rank = 1 + t % 3;
            boolean cf = randomFormat(rank);
            long[] shape = randomShape(rank, cf, 1);
            int[][] crops = new int[rank][2];
            for (int i = 0; i < rank; i++) {
                int n = (int) shape[cf ? 2 + i : 1 + i];
                int keep = 1 + random.nextInt(n); // at least one element stays
                crops[i][0] = random.nextInt(n - keep + 1);
                crops[i][1] = n - keep - crops[i][0];
            }
            float[] x = randomData(shape);
            try (ShapeLayer layer = builder(ShapeLayer.Kind.CROPPING, rank).dataFormat(format(cf))
                    .cropping(flat(crops)).build()) {
                check(layer, x, shape, ShapeReference.cropShape(shape, cf, crops), ShapeReference.crop(x, shape, cf, crops));
            }
        }
    }

    @Test
    void upSamplingMatchesReference() {
        for (int t = 0; t < TRIALS; t++) {
            int rank = 1 + t % 3;
            boolean cf = randomFormat(rank);
            int[] size = new int[rank];
            for (int i = 0; i < rank; i++) size[i] = 1 + random.nextInt(rank == 3 ? 3 : 4);
            if (rank == 1) size = new int[] {size[0]};
            try (ShapeLayer layer = builder(ShapeLayer.Kind.UP_SAMPLING, rank).dataFormat(format(cf)).size(size).build()) {
                for (int k = 0; k < 2; k++) {
                    long[] shape = randomShape(rank, cf, 1);
                    float[] x = randomData(shape);
                    check(layer, x, shape, ShapeReference.upShape(shape, cf, size), ShapeReference.upsample(x, shape, cf, size));
                }
            }
        }
    }

    @Test
    void largeOddShapesBothLayouts() {
        // big enough that oneDNN's reorder and resampling kernels split the work across threads
        for (boolean cf : new boolean[] {false, true}) {
            long[] shape = cf ? new long[] {3, 17, 31, 29} : new long[] {3, 31, 29, 17};
            float[] x = randomData(shape);
            int[][] pads = {{3, 0}, {1, 5}};
            int[][] crops = {{2, 7}, {0, 3}};
            int[] size = {3, 2};
            try (ShapeLayer p = ZeroPadding2D.builder().dataFormat(format(cf)).padding(flat(pads)).build();
                 ShapeLayer c = Cropping2D.builder().dataFormat(format(cf)).cropping(flat(crops)).build();
                 ShapeLayer u = UpSampling2D.builder().dataFormat(format(cf)).size(size).build()) {
                check(p, x, shape, ShapeReference.padShape(shape, cf, pads), ShapeReference.pad(x, shape, cf, pads));
                check(c, x, shape, ShapeReference.cropShape(shape, cf, crops), ShapeReference.crop(x, shape, cf, crops));
                check(u, x, shape, ShapeReference.upShape(shape, cf, size), ShapeReference.upsample(x, shape, cf, size));
            }
        }
    }

    @Test
    void unknownDimensionsStayUnknownAndLayersHaveNoWeights() {
        try (ZeroPadding2D p = ZeroPadding2D.builder().padding(1, 2).batchInputShape(-1, -1, 5, 3).build()) {
            assertArrayEquals(new long[] {-1, -1, 9, 3}, p.computeOutputShape(new long[] {-1, -1, 5, 3}));
            assertEquals(0, p.getWeights().size());
            assertEquals(0, p.countParams());
            assertEquals(true, p.isBuilt());
        }
    }

    @Test
    void emptyBatch() {
        try (UpSampling1D u = UpSampling1D.builder().size(3).build(); Tensor in = Tensor.zeros(0, 4, 2);
             Tensor out = u.call(in)) {
            assertArrayEquals(new long[] {0, 12, 2}, out.shape());
        }
    }
}
