package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Primitive attributes for kdnn: always the user scratchpad (the only fully thread-safe mode,
 * so one primitive can run in several threads at once), plus fused post-ops.
 * Lives only while primitive descriptors are created.
 */
public final class Attributes implements AutoCloseable {
    /** One operation a primitive applies to its result before writing it. */
    public sealed interface PostOp permits Eltwise, Binary, Sum {
    }

    /** One fused element-wise operation, {@code dnnl_eltwise_*} with its alpha and beta. */
    public record Eltwise(int algorithm, float alpha, float beta) implements PostOp {
    }

    /**
     * {@code result = result op src1}, {@code dnnl_binary_*}; src1 is the execution argument
     * {@code DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1} (see {@link #binaryArg}).
     */
    public record Binary(int algorithm, MemoryDesc src1) implements PostOp {
    }

    /** {@code result = result + scale * destination}: accumulates into what the destination holds. */
    public record Sum(float scale) implements PostOp {
    }

    /** The execution argument of the second operand of the binary post-op at {@code index}. */
    public static int binaryArg(int index) {
        return (DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE() * (index + 1)) | DNNL_ARG_SRC_1();
    }

    private final MemorySegment attr;
    private MemorySegment postOps = MemorySegment.NULL;

    public Attributes(List<? extends PostOp> ops) {
        attr = Dnnl.create("dnnl_primitive_attr_create", (out, a) -> dnnl_primitive_attr_create(out));
        try {
            Dnnl.check("dnnl_primitive_attr_set_scratchpad_mode",
                    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user()));
            if (!ops.isEmpty()) {
                postOps = Dnnl.create("dnnl_post_ops_create", (out, a) -> dnnl_post_ops_create(out));
                for (PostOp op : ops) {
                    switch (op) {
                        case Eltwise e -> Dnnl.check("dnnl_post_ops_append_eltwise",
                                dnnl_post_ops_append_eltwise(postOps, e.algorithm(), e.alpha(), e.beta()));
                        case Binary b -> Dnnl.check("dnnl_post_ops_append_binary",
                                dnnl_post_ops_append_binary(postOps, b.algorithm(), b.src1().handle()));
                        case Sum s -> Dnnl.check("dnnl_post_ops_append_sum",
                                dnnl_post_ops_append_sum(postOps, s.scale(), 0, dnnl_data_type_undef()));
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
