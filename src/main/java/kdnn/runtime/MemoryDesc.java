package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * An owned {@code dnnl_memory_desc_t}, or one borrowed from a primitive descriptor. An owned one
 * also remembers its layout as kdnn made it (data type, dims, strides in elements, offset), for
 * {@link #replay()}: the bindings cannot query strides back from oneDNN.
 */
public final class MemoryDesc implements AutoCloseable {
    private final MemorySegment handle;
    private final boolean owned;
    // the layout as created: strides null for format any (any true) or a layout kdnn does not know
    private final int dataType;
    private final long[] dims;
    private final long[] strides;
    private final long offset;
    private final boolean any;
    private boolean closed;

    private MemoryDesc(MemorySegment handle, boolean owned, int dataType, long[] dims, long[] strides, long offset,
                       boolean any) {
        this.handle = handle;
        this.owned = owned;
        this.dataType = dataType;
        this.dims = dims == null ? null : dims.clone();
        this.strides = strides;
        this.offset = offset;
        this.any = any;
    }

    /** A plain layout named by a format tag ({@code dnnl_nhwc()}, ...) over logical dims. */
    public static MemoryDesc withTag(long[] dims, int dataType, int tag) {
        return new MemoryDesc(Dnnl.create("dnnl_memory_desc_create_with_tag",
                (out, a) -> dnnl_memory_desc_create_with_tag(out, dims.length, Dnnl.dims(a, dims), dataType, tag)), true,
                dataType, dims, tagStrides(dims, tag), 0, tag == dnnl_format_tag_any());
    }

    /** A layout given by the distance (in elements) between neighbours along each logical axis. */
    public static MemoryDesc withStrides(long[] dims, long[] strides, int dataType) {
        return new MemoryDesc(Dnnl.create("dnnl_memory_desc_create_with_strides",
                (out, a) -> dnnl_memory_desc_create_with_strides(out, dims.length, Dnnl.dims(a, dims), dataType,
                        Dnnl.dims(a, strides))), true, dataType, dims, strides.clone(), 0, false);
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
        long at = offset;
        for (int i = 0; strides != null && i < offsets.length; i++) at += offsets[i] * strides[i];
        return new MemoryDesc(Dnnl.create("dnnl_memory_desc_create_submemory",
                (out, a) -> dnnl_memory_desc_create_submemory(out, handle(), Dnnl.dims(a, dims), Dnnl.dims(a, offsets))), true,
                dataType, dims, strides, at, false);
    }

    static MemoryDesc borrowed(MemorySegment handle) {
        return new MemoryDesc(handle, false, 0, null, null, 0, false);
    }

    /**
     * The layout as {@code native/bench_conv.c} reads it: {@code f32:1x64x56x56:200704x1x3584x64}
     * (data type, logical dims, strides in elements), {@code +OFFSET} after the strides for a
     * window into a larger buffer, {@code any} in place of the strides for format any; {@code ?}
     * for a layout kdnn did not make itself (one a primitive chose).
     */
    public String replay() {
        if (dims == null || (strides == null && !any)) return "?";
        String head = Replay.dataTypeName(dataType) + ":" + join(dims) + ":";
        if (any) return head + "any";
        return head + join(strides) + (offset != 0 ? "+" + offset : "");
    }

    /**
     * Bytes from a buffer's start that the layout may touch: the offset and the farthest element
     * included (what {@link #byteSize()} gives for a layout kdnn did not make itself).
     */
    public long extentBytes() {
        if (strides == null) return byteSize();
        long last = offset;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 0) return 0;
            last += (dims[i] - 1) * strides[i];
        }
        return (last + 1) * Replay.dataTypeSize(dataType);
    }

    /** The dense plain tags kdnn uses, by their letters (outermost axis first), e.g. nhwc is acdb. */
    private static final Map<Integer, String> PLAIN_TAGS = Map.ofEntries(Map.entry(dnnl_a(), "a"),
            Map.entry(dnnl_ab(), "ab"), Map.entry(dnnl_ba(), "ba"), Map.entry(dnnl_abc(), "abc"),
            Map.entry(dnnl_acb(), "acb"), Map.entry(dnnl_abcd(), "abcd"), Map.entry(dnnl_acdb(), "acdb"),
            Map.entry(dnnl_abcde(), "abcde"), Map.entry(dnnl_acdeb(), "acdeb"), Map.entry(dnnl_abcdef(), "abcdef"));

    /** The strides a plain tag gives {@code dims}, or null for a tag not in {@link #PLAIN_TAGS}. */
    private static long[] tagStrides(long[] dims, int tag) {
        String letters = PLAIN_TAGS.get(tag);
        if (letters == null || letters.length() != dims.length) return null;
        long[] s = new long[dims.length];
        long step = 1;
        for (int k = letters.length() - 1; k >= 0; k--) {
            int axis = letters.charAt(k) - 'a';
            s[axis] = step;
            step *= Math.max(dims[axis], 1);
        }
        return s;
    }

    private static String join(long[] v) {
        return LongStream.of(v).mapToObj(Long::toString).collect(Collectors.joining("x"));
    }

    public MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("memory descriptor is closed");
        }
        return handle;
    }

    /**
     * True for a strided layout kdnn made itself: no padded dimensions, so oneDNN has nothing to
     * zero-pad when a memory of it is pointed at a buffer.
     */
    public boolean strided() {
        return strides != null;
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
