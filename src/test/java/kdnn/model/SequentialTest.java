package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.Conv2D;
import kdnn.layers.DataFormat;
import kdnn.layers.Padding;
import org.junit.jupiter.api.Test;

class SequentialTest {
    private static Sequential small() {
        return Sequential.builder("small")
                .add(Conv2D.builder(4, 3).name("a").padding(Padding.SAME).activation(Activation.RELU).build())
                .add(Conv2D.builder(2, 3).name("b").strides(2).build())
                .build(-1, 9, 9, 3);
    }

    @Test
    void summaryIsKerasShaped() {
        try (Sequential m = small()) {
            String s = m.summary();
            assertTrue(s.startsWith("Model: \"small\"\n"), s);
            assertTrue(s.contains("\n a (Conv2D)                  (None, 9, 9, 4)           112       \n"), s);
            assertTrue(s.contains("\n Layer (type)                Output Shape              Param #   \n"), s);
            assertTrue(s.contains(" b (Conv2D)") && s.contains("(None, 4, 4, 2)") && s.contains("74"), s);
            assertTrue(s.contains("Total params: 186\n") && s.contains("Trainable params: 186\n"), s);
            assertArrayEquals(new long[] {-1, 4, 4, 2}, m.outputShape());
        }
    }

    @Test
    void predictEqualsTheLayersOneByOne() {
        try (Sequential m = small()) {
            float[] x = TestData.random(new SplittableRandom(3), 2 * 9 * 9 * 3);
            try (Tensor in = Tensor.of(x, 2L, 9, 9, 3); Tensor out = m.predict(in);
                 Tensor h = m.layers().get(0).call(in); Tensor y = m.layers().get(1).call(h)) {
                assertArrayEquals(y.toFloatArray(), out.toFloatArray());
            }
        }
    }

    @Test
    void shapesThatDoNotChainAreRefusedNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sequential.builder("bad")
                .add(Conv2D.builder(4, 3).name("first").build())
                .add(Conv2D.builder(2, 5).name("second").build())
                .build(-1, 5, 5, 3));
        assertTrue(e.getMessage().contains("second") && e.getMessage().contains("(-1, 3, 3, 4)".replace("-1", "None")),
                e.getMessage());
    }

    @Test
    void wrongInputAndUseAfterCloseAreRefused() {
        Sequential m = small();
        try (Tensor wrong = Tensor.zeros(1, 9, 9, 4); Tensor ok = Tensor.zeros(1, 9, 9, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.predict(wrong));
            assertTrue(e.getMessage().contains("small"), e.getMessage());
            m.close();
            m.close();
            assertThrows(IllegalStateException.class, () -> m.predict(ok));
            assertThrows(IllegalStateException.class, m::summary);
        }
    }

    /** predict (folded, channels-last inside) gives what calling the layers one by one gives. */
    private static void assertSameAsLayerByLayer(Sequential m, float[] x, long[] shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor out = m.predict(in)) {
            Tensor t = in;
            for (var l : m.layers()) {
                Tensor next = l.call(t);
                if (t != in) t.close();
                t = next;
            }
            assertArrayEquals(t.shape(), out.shape());
            float[] want = t.toFloatArray();
            float[] got = out.toFloatArray();
            t.close();
            for (int i = 0; i < want.length; i++) {
                assertTrue(Math.abs(want[i] - got[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]), i + ": " + got[i] + " vs " + want[i]);
            }
        }
    }

    @Test
    void zeroPaddingFoldsIntoTheNextConvolutionWithTheSameResult() {
        for (DataFormat f : DataFormat.values()) {
            long[] shape = f == DataFormat.CHANNELS_FIRST ? new long[] {2, 3, 7, 6} : new long[] {2, 7, 6, 3};
            try (Sequential m = Sequential.of("fold", List.of(
                    kdnn.layers.ZeroPadding2D.builder().padding(1, 2).dataFormat(f).name("zp").build(),
                    Conv2D.builder(4, 3).dataFormat(f).strides(2).name("conv").build(),
                    kdnn.layers.ZeroPadding2D.builder().padding(1).dataFormat(f).name("zp2").build(),
                    Conv2D.builder(2, 3).dataFormat(f).padding(Padding.SAME).activation(Activation.TANH).name("conv2").build()),
                    shape)) {
                assertEquals(List.of("zp folded into conv", "zp2 folded into conv2"), m.stages());
                float[] x = TestData.random(new SplittableRandom(5), 2 * 7 * 6 * 3);
                assertSameAsLayerByLayer(m, x, shape);
            }
        }
    }

    @Test
    void aChannelsFirstModelKeepsChannelsLastInsideAndMatchesTheLayersOneByOne() {
        DataFormat cf = DataFormat.CHANNELS_FIRST;
        long[] shape = {2, 3, 8, 7};
        try (Sequential m = Sequential.of("cf_chain", List.of(
                Conv2D.builder(4, 3).dataFormat(cf).padding(Padding.SAME).activation(Activation.ELU).build(),
                kdnn.layers.ZeroPadding2D.builder().padding(2).dataFormat(cf).build(),
                Conv2D.builder(5, 2).dataFormat(cf).activation(Activation.SOFTMAX).build(),
                kdnn.layers.UpSampling2D.builder().size(2, 1).dataFormat(cf).build(),
                kdnn.layers.Cropping2D.builder().cropping(1, 0, 2, 1).dataFormat(cf).build(),
                kdnn.layers.SeparableConv2D.builder(3, 3).depthMultiplier(2).dataFormat(cf).build(),
                kdnn.layers.Conv2DTranspose.builder(2, 3).strides(2).dataFormat(cf).activation(Activation.SOFTSIGN).build()),
                shape)) {
            float[] x = TestData.random(new SplittableRandom(8), 2 * 3 * 8 * 7);
            assertSameAsLayerByLayer(m, x, shape);
        }
    }

    @Test
    void paddingBeyondTheKernelIsNotFolded() {
        try (Sequential m = Sequential.of("nofold", List.of(
                kdnn.layers.ZeroPadding2D.builder().padding(3).name("zp").build(),
                Conv2D.builder(2, 3).name("conv").build()), -1, 5, 5, 1)) {
            assertEquals(List.of("zp", "conv"), m.stages());
        }
    }

    @Test
    void predictIntoAnOutputReusesTheTensorsBetweenLayers() {
        try (Sequential m = small(); Tensor in = Tensor.zeros(1, 9, 9, 3); Tensor out = Tensor.zeros(1, 4, 4, 2)) {
            m.predict(in, out);
            float[] first = out.toFloatArray();
            for (int i = 0; i < 100; i++) m.predict(in, out);
            assertArrayEquals(first, out.toFloatArray());
            try (Tensor wrong = Tensor.zeros(1, 4, 4, 3)) {
                assertThrows(IllegalArgumentException.class, () -> m.predict(in, wrong));
            }
        }
    }

    @Test
    void channelsFirstModelsWork() {
        try (Sequential m = Sequential.of("cf", List.of(
                Conv2D.builder(3, 3).dataFormat(DataFormat.CHANNELS_FIRST).padding(Padding.SAME).build()), -1, 2, 5, 5);
             Tensor in = Tensor.zeros(1, 2, 5, 5); Tensor out = m.predict(in)) {
            assertArrayEquals(new long[] {1, 3, 5, 5}, out.shape());
            assertEquals(75, out.elementCount());
        }
    }
}
