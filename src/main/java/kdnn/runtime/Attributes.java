package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Primitive attributes for kdnn: always the user scratchpad (the only fully thread-safe mode,
 * so one primitive can run in several threads at once), plus fused element-wise post-ops.
 * Lives only while primitive descriptors are created.
 */
public final class Attributes implements AutoCloseable {
    /** An operation fused after a primitive's own. */
    public sealed interface PostOp permits Eltwise, Sum {
    }

    /** One fused element-wise operation, {@code dnnl_eltwise_*} with its alpha and beta. */
    public record Eltwise(int algorithm, float alpha, float beta) implements PostOp {
    }

    /** Adds what the destination held before the primitive wrote it (a residual connection). */
    public record Sum() implements PostOp {
    }

    private final MemorySegment attr;
    private MemorySegment postOps = MemorySegment.NULL;

    public Attributes(List<? extends PostOp> eltwise) {
        attr = Dnnl.create("dnnl_primitive_attr_create", (out, a) -> dnnl_primitive_attr_create(out));
        try {
            Dnnl.check("dnnl_primitive_attr_set_scratchpad_mode",
                    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user()));
            if (!eltwise.isEmpty()) {
                postOps = Dnnl.create("dnnl_post_ops_create", (out, a) -> dnnl_post_ops_create(out));
                for (PostOp op : eltwise) {
                    switch (op) {
                        case Eltwise e -> Dnnl.check("dnnl_post_ops_append_eltwise",
                                dnnl_post_ops_append_eltwise(postOps, e.algorithm(), e.alpha(), e.beta()));
                        case Sum ignored -> Dnnl.check("dnnl_post_ops_append_sum",
                                dnnl_post_ops_append_sum(postOps, 1f, 0, dnnl_data_type_undef()));
                    }
                }
                Dnnl.check("dnnl_primitive_attr_set_post_ops", dnnl_primitive_attr_set_post_ops(attr, postOps));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public Attributes() {
        this(List.of());
    }

    public MemorySegment handle() {
        return attr;
    }

    @Override
    public void close() {
        if (!postOps.equals(MemorySegment.NULL)) {
            Dnnl.check("dnnl_post_ops_destroy", dnnl_post_ops_destroy(postOps));
            postOps = MemorySegment.NULL;
        }
        Dnnl.check("dnnl_primitive_attr_destroy", dnnl_primitive_attr_destroy(attr));
    }
}
