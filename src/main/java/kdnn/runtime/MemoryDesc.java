package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/** An owned {@code dnnl_memory_desc_t}, or one borrowed from a primitive descriptor. */
public final class MemoryDesc implements AutoCloseable {
    private final MemorySegment handle;
    private final boolean owned;
    private boolean closed;

    private MemoryDesc(MemorySegment handle, boolean owned) {
        this.handle = handle;
        this.owned = owned;
    }

    /** A plain layout named by a format tag ({@code dnnl_nhwc()}, ...) over logical dims. */
    public static MemoryDesc withTag(long[] dims, int dataType, int tag) {
        return new MemoryDesc(Dnnl.create("dnnl_memory_desc_create_with_tag",
                (out, a) -> dnnl_memory_desc_create_with_tag(out, dims.length, Dnnl.dims(a, dims), dataType, tag)), true);
    }

    /** A layout given by the distance (in elements) between neighbours along each logical axis. */
    public static MemoryDesc withStrides(long[] dims, long[] strides, int dataType) {
        return new MemoryDesc(Dnnl.create("dnnl_memory_desc_create_with_strides",
                (out, a) -> dnnl_memory_desc_create_with_strides(out, dims.length, Dnnl.dims(a, dims), dataType,
                        Dnnl.dims(a, strides))), true);
    }

    /** Plain float32 in row-major (C) order, as Keras stores a tensor. */
    public static MemoryDesc rowMajor(long... dims) {
        return withStrides(dims, rowMajorStrides(dims), dnnl_f32());
    }

    /** The strides of row-major order: the last axis is contiguous. */
    public static long[] rowMajorStrides(long[] dims) {
        long[] strides = new long[dims.length];
        long s = 1;
        for (int a = dims.length - 1; a >= 0; a--) {
            strides[a] = s;
            s *= Math.max(dims[a], 1);
        }
        return strides;
    }

    /** A window of this layout: {@code dims} elements starting at {@code offsets}. */
    public MemoryDesc submemory(long[] dims, long[] offsets) {
        return new MemoryDesc(Dnnl.create("dnnl_memory_desc_create_submemory",
                (out, a) -> dnnl_memory_desc_create_submemory(out, handle(), Dnnl.dims(a, dims), Dnnl.dims(a, offsets))), true);
    }

    static MemoryDesc borrowed(MemorySegment handle) {
        return new MemoryDesc(handle, false);
    }

    public MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("memory descriptor is closed");
        }
        return handle;
    }

    /** Bytes a buffer of this layout needs. */
    public long byteSize() {
        return dnnl_memory_desc_get_size(handle());
    }

    /** True when both describe the same layout. */
    public boolean sameLayout(MemoryDesc other) {
        return dnnl_memory_desc_equal(handle(), other.handle()) != 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (owned) {
                Dnnl.check("dnnl_memory_desc_destroy", dnnl_memory_desc_destroy(handle));
            }
        }
    }

    /** A descriptor of the {@code any} format: the primitive picks the layout. */
    public static MemoryDesc any(long[] dims, int dataType) {
        return withTag(dims, dataType, dnnl_format_tag_any());
    }

    static MemorySegment nullIfAbsent(MemoryDesc md) {
        return md == null ? MemorySegment.NULL : md.handle();
    }

}
