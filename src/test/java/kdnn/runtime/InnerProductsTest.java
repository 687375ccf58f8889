package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A dense layer's post-ops: on a CPU of AVX2 at most, the ones oneDNN's brgemm kernels slow down
 * with (gelu, swish, tanh...) run after the product as eltwise primitives, the others fused; the
 * values are the product's followed by each function in turn either way.
 */
class InnerProductsTest {
    @Test
    void slowFusedFunctionsFollowTheProductWithTheSameValues() {
        long rows = 37, in = 19, units = 23;
        List<Attributes.Eltwise> postOps = List.of(new Attributes.Eltwise(dnnl_eltwise_logistic(), 0, 0),
                new Attributes.Eltwise(dnnl_eltwise_gelu_erf(), 0, 0), new Attributes.Eltwise(dnnl_eltwise_linear(), 2, 0.5f));
        boolean avx512 = (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core()) == dnnl_cpu_isa_avx512_core();
        assertEquals(avx512 ? 3 : 1, Eltwises.fusedInProducts(postOps), "logistic stays fused; gelu splits on AVX2");
        assertEquals(avx512 ? 1 : 0, Eltwises.fusedInProducts(List.of(new Attributes.Eltwise(dnnl_eltwise_swish(), 1, 0))));
        assertEquals(1, Eltwises.fusedInProducts(List.of(new Attributes.Eltwise(dnnl_eltwise_relu(), 0, 0))));
        Random r = new Random(4);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment kernel = floats(arena, in * units, r);
            MemorySegment bias = floats(arena, units, r);
            MemorySegment x = floats(arena, rows * in, r);
            MemorySegment y = arena.allocate(rows * units * Float.BYTES, 64);
            MemorySegment linear = arena.allocate(rows * units * Float.BYTES, 64);
            MemorySegment want = arena.allocate(rows * units * Float.BYTES, 64);
            for (boolean matmul : new boolean[] {true, false}) {
                try (Pipeline dense = InnerProducts.dense(rows, in, units, kernel, bias, postOps, Convolutions.Tail.NONE, matmul);
                     Pipeline plain = InnerProducts.dense(rows, in, units, kernel, bias, List.of(), Convolutions.Tail.NONE, matmul);
                     Pipeline functions = Eltwises.chain(rows * units, postOps, null)) {
                    assertEquals(1 + postOps.size() - Eltwises.fusedInProducts(postOps), dense.implementations().size(),
                            dense.implementations().toString());
                    dense.execute(x, y);
                    plain.execute(x, linear);
                    functions.execute(linear, want);
                    for (long i = 0; i < rows * units; i++) {
                        float got = y.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        float expected = want.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        // split: the very same eltwise primitives; fused: oneDNN's own rounding inside the kernel
                        assertTrue(avx512 ? Math.abs(got - expected) <= 1e-6f * Math.max(1, Math.abs(expected))
                                : Float.floatToIntBits(got) == Float.floatToIntBits(expected),
                                "matmul " + matmul + " value " + i + ": " + got + " against " + expected);
                    }
                }
            }
        }
    }

    private static MemorySegment floats(Arena arena, long n, Random r) {
        MemorySegment s = arena.allocate(n * Float.BYTES, 64);
        for (long i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
        return s;
    }
}
