package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/** A primitive descriptor and the primitive created from it, owned together. */
public final class Primitive implements AutoCloseable {
    private final String kind;
    private final String replay;
    private final int threads;
    private final MemorySegment pd;
    private final MemorySegment primitive;
    private boolean closed;

    private Primitive(String kind, String replay, int threads, MemorySegment pd) {
        this.kind = kind;
        this.replay = replay;
        this.threads = threads;
        this.pd = pd;
        try {
            this.primitive = Dnnl.create("dnnl_primitive_create", (out, a) -> dnnl_primitive_create(out, pd));
        } catch (RuntimeException e) {
            dnnl_primitive_desc_destroy(pd);
            throw e;
        }
    }

    /**
     * Creates the primitive descriptor with {@code function} (its name is used in errors), then
     * the primitive. Thread count: whatever {@link Threads} has set on this thread now.
     * {@code replay} describes what {@code creator} passes to oneDNN (see {@link #replay()}).
     */
    public static Primitive create(String function, Replay replay, Dnnl.Creator creator) {
        int threads = Threads.creatingCount();
        return new Primitive(function.replace("dnnl_", "").replace("_primitive_desc_create", ""),
                replay.line(threads), threads, Dnnl.create(function, creator));
    }

    /** The OpenMP thread count this primitive was created for, and runs with. */
    public int threads() {
        return threads;
    }

    /**
     * This primitive as one line of {@code native/bench_conv.c}'s {@code PLAN} grammar: kind,
     * the thread count it was created with, its memory descriptors and parameters, e.g.
     * {@code conv 2 f32:1x3x224x224:150528x1x672x3 f32:32x3x3x3:any f32:32:1 ... post 1 clip_v2 0.0 6.0}.
     */
    public String replay() {
        return replay;
    }

    /** A memory descriptor the primitive chose ({@code dnnl_query_*_md}), valid while this lives. */
    public MemoryDesc query(int what, int index) {
        MemorySegment md = dnnl_primitive_desc_query_md(handleOrThrow(), what, index);
        if (md.equals(MemorySegment.NULL)) {
            throw new IllegalStateException(kind + " has no memory descriptor for query " + what + "/" + index);
        }
        return MemoryDesc.borrowed(md);
    }

    /** Bytes of scratchpad one execution needs (0 when none). */
    public long scratchpadSize() {
        MemorySegment md = dnnl_primitive_desc_query_md(handleOrThrow(), dnnl_query_scratchpad_md(), 0);
        return md.equals(MemorySegment.NULL) ? 0 : dnnl_memory_desc_get_size(md);
    }

    /** oneDNN's name of the implementation, e.g. {@code brg_conv_fwd:avx512_core}. */
    public String implementation() {
        return Dnnl.implementationName(handleOrThrow());
    }

    public String kind() {
        return kind;
    }

    MemorySegment primitive() {
        if (closed) {
            throw new IllegalStateException(kind + " primitive is closed");
        }
        return primitive;
    }

    private MemorySegment handleOrThrow() {
        if (closed) {
            throw new IllegalStateException(kind + " primitive is closed");
        }
        return pd;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Dnnl.check("dnnl_primitive_destroy", dnnl_primitive_destroy(primitive));
            Dnnl.check("dnnl_primitive_desc_destroy", dnnl_primitive_desc_destroy(pd));
        }
    }
}
