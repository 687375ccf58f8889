package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/**
 * The CPU engine. oneDNN needs one per device; kdnn creates it on first use and keeps it for
 * the life of the process, like the library itself.
 */
public final class Engine {
    private Engine() {
    }

    private static final class Holder {
        static final MemorySegment CPU = Dnnl.create("dnnl_engine_create",
                (out, a) -> dnnl_engine_create(out, dnnl_cpu(), 0));
    }

    /** The {@code dnnl_engine_t} of the CPU. */
    public static MemorySegment cpu() {
        return Holder.CPU;
    }
}
