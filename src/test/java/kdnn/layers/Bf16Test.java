package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.runtime.Convolutions;
import org.junit.jupiter.api.Test;

/** bf16 runs where the CPU has bf16 instructions, within bf16's precision of f32; refused elsewhere. */
class Bf16Test {
    @Test
    void bf16IsCloseToF32OrRefused() {
        if (!Convolutions.bf16Supported()) {
            assertThrows(UnsupportedOperationException.class, () -> Conv2D.builder(4, 3).precision(Precision.BF16).build());
            return;
        }
        for (DataFormat f : DataFormat.values()) {
            for (String cls : new String[] {"Conv2D", "SeparableConv2D", "Conv2DTranspose"}) {
                long[] shape = f == DataFormat.CHANNELS_FIRST ? new long[] {2, 8, 9, 7} : new long[] {2, 9, 7, 8};
                float[] x = TestData.random(new SplittableRandom(11), 2 * 9 * 7 * 8);
                try (BaseConv a = build(cls, f); BaseConv b = build(cls, f); Tensor in = Tensor.of(x, shape)) {
                    a.build(shape);
                    b.build(shape);
                    b.setWeights(a.getWeights());
                    b.setPrecision(Precision.BF16);
                    try (Tensor ya = a.call(in); Tensor yb = b.call(in)) {
                        float[] p = ya.toFloatArray();
                        float[] q = yb.toFloatArray();
                        double maxAbs = 0;
                        for (float v : p) maxAbs = Math.max(maxAbs, Math.abs(v));
                        for (int i = 0; i < p.length; i++) {
                            // bf16 keeps 8 bits of mantissa: ~0.4% per operand, summed over the taps
                            assertTrue(Math.abs(p[i] - q[i]) <= 0.02 * maxAbs, cls + " " + f + " value " + i + ": f32 "
                                    + p[i] + ", bf16 " + q[i]);
                        }
                        assertTrue(java.util.Arrays.mismatch(p, q) >= 0, "bf16 should differ from f32 somewhere");
                    }
                }
            }
        }
    }

    @Test
    void aConv3DOfOneInputChannelComputesInFloat32() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Convolutions.bf16Supported(), "no bf16 on this CPU");
        // oneDNN 3.13's bf16 kernel miscomputes such a convolution when its depth reaches past an
        // input of depth 1 (25-95% off); kdnn runs it in float32, so it equals f32 exactly
        long[] shape = {2, 1, 3, 3, 1};
        float[] x = TestData.random(new SplittableRandom(12), 18);
        try (Conv3D a = Conv3D.builder(4, 3).padding(Padding.SAME).build(); Conv3D b = Conv3D.builder(4, 3).padding(Padding.SAME).build();
             Tensor in = Tensor.of(x, shape)) {
            a.build(shape);
            b.build(shape);
            b.setWeights(a.getWeights());
            b.setPrecision(Precision.BF16);
            try (Tensor ya = a.call(in); Tensor yb = b.call(in)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(ya.toFloatArray(), yb.toFloatArray());
            }
        }
        assertTrue(Convolutions.computesBf16(new long[] {2, 2, 1, 3, 3}, 1), "two channels compute in bf16");
        assertTrue(Convolutions.computesBf16(new long[] {2, 1, 3, 3}, 1), "2D compute in bf16");
        assertTrue(Convolutions.computesBf16(new long[] {2, 4, 1, 3, 3}, 2), "two channels per group compute in bf16");
    }

    /** The same oneDNN flaw for groups of one channel (found by RandomGraphsTest): such a Conv3D computes in float32 too. */
    @Test
    void aGroupedConv3DOfOneChannelPerGroupComputesInFloat32() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Convolutions.bf16Supported(), "no bf16 on this CPU");
        for (int groups : new int[] {2, 3}) {
            long[] shape = {2, 1, 1, 1, groups};
            float[] x = TestData.random(new SplittableRandom(13), 2 * groups);
            try (Conv3D a = Conv3D.builder(6, 3).groups(groups).strides(2).padding(Padding.SAME).build();
                 Conv3D b = Conv3D.builder(6, 3).groups(groups).strides(2).padding(Padding.SAME).build();
                 Tensor in = Tensor.of(x, shape)) {
                a.build(shape);
                b.build(shape);
                java.util.List<kdnn.layers.Weight> w = new java.util.ArrayList<>();
                for (kdnn.layers.Weight v : a.getWeights()) {
                    w.add(new kdnn.layers.Weight(v.name(), v.shape(), TestData.random(new SplittableRandom(14), v.values().length)));
                }
                a.setWeights(w);
                b.setWeights(w);
                b.setPrecision(Precision.BF16);
                try (Tensor ya = a.call(in); Tensor yb = b.call(in)) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(ya.toFloatArray(), yb.toFloatArray(), "groups " + groups);
                }
            }
            assertTrue(!Convolutions.computesBf16(new long[] {2, groups, 1, 1, 1}, groups));
        }
    }

    private static BaseConv build(String cls, DataFormat f) {
        return switch (cls) {
            case "Conv2D" -> Conv2D.builder(6, 3).dataFormat(f).padding(Padding.SAME).activation(Activation.RELU).build();
            case "SeparableConv2D" -> SeparableConv2D.builder(6, 3).depthMultiplier(2).dataFormat(f).build();
            default -> Conv2DTranspose.builder(5, 3).strides(2).dataFormat(f).build();
        };
    }
}
