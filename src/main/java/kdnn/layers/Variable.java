package kdnn.layers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;

/**
 * A layer weight: Keras' name and shape, its values in native memory (Keras' layout, which
 * oneDNN is told about; primitives reorder from here), and what Keras attaches to it. The
 * initializer draws on the first read, so weights a file sets are never drawn (a ResNet-50's
 * 25 million values took a third of its load).
 */
final class Variable {
    final String name;
    final int[] shape;
    private final MemorySegment data;
    private volatile Initializer pending;
    final Regularizer regularizer;
    final Constraint constraint;
    /** False for values training does not learn by gradient (BatchNormalization's moving statistics). */
    final boolean trainable;

    Variable(String name, int[] shape, Arena arena, Initializer initializer, Regularizer regularizer, Constraint constraint) {
        this(name, shape, arena, initializer, regularizer, constraint, true);
    }

    Variable(String name, int[] shape, Arena arena, Initializer initializer, Regularizer regularizer, Constraint constraint,
             boolean trainable) {
        this.name = name;
        this.trainable = trainable;
        this.shape = shape.clone();
        this.regularizer = regularizer;
        this.constraint = constraint;
        long values = 1;
        for (int d : shape) {
            values = d < 0 ? -1 : values * d; // at most 5 factors below 2^31: no overflow before the check
            if (values < 0 || values > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("weight '" + name + "' of shape " + Shapes.format(shape)
                        + " would hold more values than get_weights()/set_weights() arrays can (2^31 - 9);"
                        + " check kernel_size, filters, depth_multiplier and the input's channels");
            }
        }
        initializer.checkShape(this.shape);
        // not zeroed: the initializer or a set writes every value before any read (a file's weights
        // would otherwise be written twice, a ResNet-50's 100 MB)
        long bytes = Math.max(Shapes.product(shape) * Float.BYTES, 1);
        this.data = kdnn.runtime.NativeMemory.allocate(bytes, 64).reinterpret(bytes, arena, kdnn.runtime.NativeMemory::free);
        this.pending = initializer;
    }

    /** The values in native memory, drawn by the initializer first if nothing has set them. */
    MemorySegment data() {
        if (pending != null) {
            synchronized (this) {
                Initializer init = pending;
                if (init != null) {
                    float[] values = init.initialize(shape);
                    MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT, 0, values.length);
                    pending = null;
                }
            }
        }
        return data;
    }

    float[] get() {
        return data().asSlice(0, Shapes.product(shape) * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
    }

    synchronized void set(float[] values) {
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT, 0, values.length);
        pending = null;
    }

    /** Copies a weight in, straight from a file's bytes where it was read from one (no Java array between). */
    synchronized void set(Weight w) {
        MemorySegment bytes = w.bytes();
        if (bytes == null) {
            set(w.values());
            return;
        }
        long count = bytes.byteSize() / Float.BYTES;
        MemorySegment.copy(bytes, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0,
                data, ValueLayout.JAVA_FLOAT, 0, count);
        pending = null;
    }

    Weight toWeight() {
        return new Weight(name, shape, get());
    }

    double penalty() {
        return regularizer == null ? 0 : regularizer.penalty(get());
    }

    void applyConstraint() {
        if (constraint != null) {
            set(constraint.apply(get(), shape));
        }
    }
}
