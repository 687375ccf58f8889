package kdnn.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.model.Model;
import kdnn.layers.Activation;
import kdnn.layers.Conv2D;
import kdnn.layers.Padding;
import org.junit.jupiter.api.Test;

/**
 * A pipeline points its oneDNN memories at the caller's buffers only when they move (a plan hands
 * the same ones call after call): calls that alternate inputs and outputs, reuse them, or get new
 * ones each compute exactly what a first call on them computed.
 */
class RepointedBuffersTest {
    @Test
    void aModelFollowsItsCallersBuffers() throws Exception {
        try (Model m = Models.load(TestData.functionalModels().resolve("resnet_tiny/model.json"))) {
            long[] shape = m.inputShape();
            shape[0] = 2;
            int n = Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b));
            long[] outShape = m.outputShape(shape);
            try (Tensor a = Tensor.of(TestData.random(new SplittableRandom(1), n), shape);
                 Tensor b = Tensor.of(TestData.random(new SplittableRandom(2), n), shape);
                 Tensor ya = Tensor.uninitialized(outShape); Tensor yb = Tensor.uninitialized(outShape)) {
                float[] expectA, expectB;
                try (Tensor fa = m.predict(a); Tensor fb = m.predict(b)) {
                    expectA = fa.toFloatArray();
                    expectB = fb.toFloatArray();
                }
                for (int round = 0; round < 3; round++) {
                    m.predict(a, ya);
                    m.predict(b, yb);
                    assertArrayEquals(expectA, ya.toFloatArray(), "a into ya, round " + round);
                    assertArrayEquals(expectB, yb.toFloatArray(), "b into yb, round " + round);
                    m.predict(b, ya); // the same output buffer, the other input
                    m.predict(a, yb);
                    assertArrayEquals(expectB, ya.toFloatArray(), "b into ya, round " + round);
                    assertArrayEquals(expectA, yb.toFloatArray(), "a into yb, round " + round);
                    try (Tensor fresh = m.predict(a)) { // a new output each call
                        assertArrayEquals(expectA, fresh.toFloatArray(), "a into a new tensor, round " + round);
                    }
                }
            }
        }
    }

    @Test
    void aLayerFollowsItsCallersBuffers() {
        try (Conv2D conv = Conv2D.builder(8, 3).padding(Padding.SAME).activation(Activation.RELU).build()) {
            long[] shape = {1, 9, 9, 4};
            try (Tensor a = Tensor.of(TestData.random(new SplittableRandom(3), 324), shape);
                 Tensor b = Tensor.of(TestData.random(new SplittableRandom(4), 324), shape)) {
                float[] expectA, expectB;
                try (Tensor fa = conv.call(a); Tensor fb = conv.call(b)) {
                    expectA = fa.toFloatArray();
                    expectB = fb.toFloatArray();
                }
                try (Tensor y = Tensor.uninitialized(new long[] {1, 9, 9, 8})) {
                    for (int round = 0; round < 3; round++) {
                        conv.call(a, y);
                        assertArrayEquals(expectA, y.toFloatArray(), "a, round " + round);
                        conv.call(b, y);
                        assertArrayEquals(expectB, y.toFloatArray(), "b, round " + round);
                        try (Tensor fresh = conv.call(a)) {
                            assertArrayEquals(expectA, fresh.toFloatArray(), "a into a new tensor, round " + round);
                        }
                    }
                }
            }
        }
    }
}
