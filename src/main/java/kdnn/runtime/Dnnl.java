package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The checked layer over {@link kdnn.bindings.dnnl_h}: every status is checked, and a failure
 * throws {@link DnnlException} naming the C function and the status. Functions that create a
 * handle return it; the caller owns it.
 */
public final class Dnnl {
    private Dnnl() {
    }

    /** Throws when {@code status} is not {@code dnnl_success}. */
    public static void check(String function, int status) {
        if (status != dnnl_success()) {
            throw new DnnlException(function, status, null);
        }
    }

    static String statusName(int status) {
        if (status == dnnl_success()) return "dnnl_success";
        if (status == dnnl_out_of_memory()) return "dnnl_out_of_memory";
        if (status == dnnl_invalid_arguments()) return "dnnl_invalid_arguments";
        if (status == dnnl_unimplemented()) return "dnnl_unimplemented";
        if (status == dnnl_last_impl_reached()) return "dnnl_last_impl_reached";
        if (status == dnnl_runtime_error()) return "dnnl_runtime_error";
        if (status == dnnl_not_required()) return "dnnl_not_required";
        if (status == dnnl_invalid_graph()) return "dnnl_invalid_graph";
        if (status == dnnl_invalid_graph_op()) return "dnnl_invalid_graph_op";
        if (status == dnnl_invalid_shape()) return "dnnl_invalid_shape";
        if (status == dnnl_invalid_data_type()) return "dnnl_invalid_data_type";
        return "dnnl_status_t(" + status + ")";
    }

    /** A {@code dnnl_dims_t}: int64_t[DNNL_MAX_NDIMS], of which only the first dims.length count. */
    static MemorySegment dims(Arena arena, long... dims) {
        if (dims.length > DNNL_MAX_NDIMS()) {
            throw new IllegalArgumentException("at most " + DNNL_MAX_NDIMS() + " dimensions, got " + dims.length);
        }
        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, DNNL_MAX_NDIMS());
        MemorySegment.copy(dims, 0, s, ValueLayout.JAVA_LONG, 0, dims.length);
        return s;
    }

    /** Calls a creating function through an out-pointer and returns the created handle. */
    static MemorySegment create(String function, Creator creator) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int status = creator.call(out, a);
            if (status != dnnl_success()) {
                throw new DnnlException(function, status, null);
            }
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    @FunctionalInterface
    interface Creator {
        int call(MemorySegment out, Arena arena);
    }

    static MemorySegment memoryCreate(MemorySegment md, MemorySegment handle) {
        return create("dnnl_memory_create", (out, a) -> dnnl_memory_create(out, md, Engine.cpu(), handle));
    }

    static void memorySetDataHandle(MemorySegment memory, MemorySegment handle) {
        check("dnnl_memory_set_data_handle", dnnl_memory_set_data_handle(memory, handle));
    }

    static void memoryDestroy(MemorySegment memory) {
        check("dnnl_memory_destroy", dnnl_memory_destroy(memory));
    }

    static MemorySegment streamCreate() {
        return create("dnnl_stream_create", (out, a) -> dnnl_stream_create(out, Engine.cpu(), dnnl_stream_default_flags()));
    }

    static void streamDestroy(MemorySegment stream) {
        check("dnnl_stream_destroy", dnnl_stream_destroy(stream));
    }

    /** The name oneDNN gives the implementation a primitive descriptor chose. */
    static String implementationName(MemorySegment pd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check("dnnl_primitive_desc_query", dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str(), 0, out));
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(1024).getString(0);
        }
    }
}
