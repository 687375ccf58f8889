package kdnn.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.runtime.Threads;

/**
 * Run in a fresh JVM at a count of 2: a layer's calls from the main thread (which holds the team
 * outside the compute threads), then from a second thread, then from the main thread again; prints
 * whether each started an OpenMP team on its own thread and whether all results were the first's.
 */
public final class LayerTeamProbe {
    private LayerTeamProbe() {
    }

    public static void main(String[] args) throws Exception {
        Threads.setCount(2);
        long[] shape = {1, 16, 16, 64}; // 1M multiply-adds: both threads
        try (Layer conv = Layers.fromConfig(new ObjectMapper().readTree("{\"class_name\":\"Conv2D\",\"config\":"
                + "{\"name\":\"c\",\"filters\":64,\"kernel_size\":1,\"activation\":\"relu\"}}"));
                Tensor in = Tensor.of(input(), shape)) {
            conv.build(shape);
            float[] want = call(conv, in);
            boolean[] same = {true};
            int mark = Threads.teamMark();
            for (int i = 0; i < 3; i++) same[0] &= Arrays.equals(want, call(conv, in));
            boolean holder = Threads.teamsSince(mark);
            boolean[] second = new boolean[1];
            Thread other = Thread.ofPlatform().start(() -> {
                int own = Threads.teamMark();
                for (int i = 0; i < 3; i++) same[0] &= Arrays.equals(want, call(conv, in));
                second[0] = Threads.teamsSince(own);
            });
            other.join();
            mark = Threads.teamMark();
            for (int i = 0; i < 3; i++) same[0] &= Arrays.equals(want, call(conv, in));
            boolean after = Threads.teamsSince(mark);
            System.out.println("holder=" + holder + " second=" + second[0] + " after=" + after + " same=" + same[0]);
        }
    }

    private static float[] input() {
        float[] x = new float[16 * 16 * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        return x;
    }

    private static float[] call(Layer layer, Tensor in) {
        try (Tensor out = layer.call(in)) {
            return out.toFloatArray();
        }
    }
}
