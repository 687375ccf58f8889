package kdnn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.StampedLock;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Shapes;

/**
 * Keras' Sequential model: layers applied in order, shapes inferred from the input shape.
 * Immutable once built; {@link #predict} may be called from many threads at once, and
 * {@link #close()} waits for predictions in flight.
 */
public final class Sequential implements AutoCloseable {
    private final String name;
    private final List<Layer> layers;
    private final long[] inputShape;
    private final List<long[]> outputShapes;
    private final List<kdnn.layers.Stage> stages;
    private final StampedLock lifecycle = new StampedLock();
    private volatile boolean closed;
    // intermediate tensors of earlier predictions, reused: a prediction allocates only its output
    private final java.util.concurrent.atomic.AtomicReferenceArray<Workspace> idle =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(IDLE_SLOTS);
    private static final int IDLE_SLOTS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

    /** The tensors between stages for one input shape. */
    private record Workspace(long[] inputShape, Tensor[] between) {
        void close() {
            for (Tensor t : between) t.close();
        }
    }

    private Sequential(String name, List<Layer> layers, long[] inputShape) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("model \"" + name + "\" has no layers");
        }
        this.name = name;
        this.layers = List.copyOf(layers);
        this.inputShape = inputShape.clone();
        this.outputShapes = new ArrayList<>();
        long[] shape = inputShape;
        for (Layer l : this.layers) {
            try {
                l.build(shape);
                shape = l.computeOutputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model \"" + name + "\": layer \"" + l.name() + "\" (" + l.className()
                        + ") does not accept the output of the layer before it, of shape " + Shapes.format(shape)
                        + ": " + e.getMessage(), e);
            }
            outputShapes.add(shape);
        }
        this.stages = kdnn.layers.Stage.plan(this.layers, inputShape);
    }

    /** How the layers run: each a stage, or a ZeroPadding folded into the convolution after it. */
    public List<String> stages() {
        ensureOpen();
        return stages.stream().map(Object::toString).toList();
    }

    /** A model over these layers for inputs of {@code inputShape} (batch first; -1 for any batch). */
    public static Sequential of(String name, List<Layer> layers, long... inputShape) {
        return new Sequential(name, layers, inputShape);
    }

    /** Starts a model; layers are added in order, as Keras' {@code model.add}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Collects layers, then builds the (immutable) model. */
    public static final class Builder {
        private final String name;
        private final List<Layer> layers = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        /** Builds for this input shape; without one, the first layer's declared batch_input_shape. */
        public Sequential build(long... inputShape) {
            long[] shape = inputShape.length > 0 ? inputShape
                    : layers.isEmpty() ? null : layers.get(0).declaredInputShape();
            if (shape == null) {
                throw new IllegalArgumentException("model \"" + name + "\" needs an input shape: give one to build(),"
                        + " or a batch_input_shape to its first layer");
            }
            return new Sequential(name, layers, shape);
        }
    }

    public String name() {
        return name;
    }

    public List<Layer> layers() {
        return layers;
    }

    public long[] inputShape() {
        return inputShape.clone();
    }

    /** The output shape of the whole model for its input shape. */
    public long[] outputShape() {
        return outputShapes.get(outputShapes.size() - 1).clone();
    }

    /** The model's output shape for a concrete input shape. */
    public long[] outputShape(long[] input) {
        long[] shape = input;
        for (Layer l : layers) {
            shape = l.computeOutputShape(shape);
        }
        return shape;
    }

    /** Runs a batch through every layer; returns a new tensor the caller owns. */
    public Tensor predict(Tensor batch) {
        long stamp = enter();
        try {
            long[] shape = batch.shape();
            checkInput(shape);
            Tensor out = Tensor.uninitialized(outputShape(shape));
            try {
                predict(batch, out);
                return out;
            } catch (RuntimeException | Error e) {
                out.close();
                throw e;
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /**
     * Runs a batch into {@code output}. Tensors between layers stay native and are reused across
     * predictions, so in steady state this allocates nothing.
     */
    public void predict(Tensor batch, Tensor output) {
        long stamp = enter();
        try {
            long in = batch.hold();
            try {
                long out = output.hold();
                // one turn for the whole prediction: its layers run back to back on warm caches
                java.util.concurrent.Semaphore admitted = kdnn.runtime.Threads.enterCall();
                try {
                    Workspace w = take(batch);
                    try {
                        Tensor current = batch;
                        // each stage bounds its output from its input's bound: only where none is
                        // known does a stage scan its input for NaN, infinities and huge values
                        double bound = Double.NaN;
                        for (int i = 0; i < stages.size(); i++) {
                            Tensor next = i == stages.size() - 1 ? output : w.between[i];
                            bound = stages.get(i).runHeld(current, next, bound);
                            current = next;
                        }
                    } finally {
                        give(w);
                    }
                } finally {
                    kdnn.runtime.Threads.exitCall(admitted);
                    output.release(out);
                }
            } finally {
                batch.release(in);
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    private Workspace take(Tensor batch) {
        for (int i = 0; i < IDLE_SLOTS; i++) {
            Workspace w = idle.get(i);
            if (w != null && batch.hasShape(w.inputShape) && idle.compareAndSet(i, w, null)) {
                return w;
            }
        }
        long[] shape = batch.shape();
        checkInput(shape);
        Tensor[] between = new Tensor[stages.size() - 1];
        try {
            long[] s = shape;
            for (int i = 0; i < between.length; i++) {
                s = stages.get(i).outputShape(s);
                between[i] = Tensor.uninitialized(s);
            }
        } catch (RuntimeException | Error e) {
            for (Tensor t : between) if (t != null) t.close();
            throw e;
        }
        return new Workspace(shape, between);
    }

    private void give(Workspace w) {
        for (int i = 0; i < IDLE_SLOTS; i++) {
            if (idle.get(i) == null && idle.compareAndSet(i, null, w)) {
                return;
            }
        }
        // the slots hold other shapes or more concurrent calls than slots: evict one to keep recent shapes
        Workspace old = idle.getAndSet((int) (Thread.currentThread().threadId() % IDLE_SLOTS), w);
        if (old != null) {
            old.close();
        }
    }

    private void checkInput(long[] shape) {
        boolean ok = shape.length == inputShape.length;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = inputShape[i] < 0 || inputShape[i] == shape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException("Input 0 of model \"" + name + "\" is incompatible: expected shape="
                    + Shapes.format(inputShape) + ", found shape=" + Shapes.format(shape));
        }
    }

    /** Sets every convolution's arithmetic (see {@link kdnn.layers.Precision}); waits for predictions in flight. */
    public void setPrecision(kdnn.layers.Precision precision) {
        ensureOpen();
        for (Layer l : layers) {
            if (l instanceof kdnn.layers.BaseConv c) {
                c.setPrecision(precision);
            }
        }
    }

    /** Number of weight values of all layers. */
    public long countParams() {
        return layers.stream().mapToLong(Layer::countParams).sum();
    }

    /** The table Keras' {@code model.summary()} prints (tf.keras 2's layout for Sequential models). */
    public String summary() {
        ensureOpen();
        int[] positions = {29, 55, 65};
        StringBuilder s = new StringBuilder();
        s.append("Model: \"").append(name).append("\"\n").append("_".repeat(65)).append('\n');
        row(s, positions, "Layer (type)", "Output Shape", "Param #");
        s.append("=".repeat(65)).append('\n');
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long[] out = outputShapes.get(i).clone();
            out[0] = -1;
            row(s, positions, l.name() + " (" + l.className() + ")", Shapes.format(out), Long.toString(l.countParams()));
            if (i < layers.size() - 1) {
                s.append(" ".repeat(65)).append('\n');
            }
        }
        s.append("=".repeat(65)).append('\n');
        long total = countParams();
        s.append(String.format("Total params: %,d%n", total));
        s.append(String.format("Trainable params: %,d%n", total));
        s.append("Non-trainable params: 0\n");
        s.append("_".repeat(65)).append('\n');
        return s.toString();
    }

    /**
     * One table row as Keras' {@code print_row}: columns end at {@code positions}, two spaces
     * between columns, a leading space, and a cell too long for its column continues on the
     * next line (breaking after "),", "},", "],", "',", as Keras does).
     */
    private static void row(StringBuilder s, int[] positions, String... cells) {
        String[] left = cells.clone();
        while (Arrays.stream(left).anyMatch(c -> !c.isEmpty())) {
            StringBuilder line = new StringBuilder();
            for (int col = 0; col < left.length; col++) {
                int start = col == 0 ? 0 : positions[col - 1];
                int space = col == positions.length - 1 ? 0 : 2;
                int cutoff = Math.min(left[col].length(), positions[col] - start - space);
                String fit = left[col].substring(0, cutoff);
                for (String brk : new String[] {"),", "},", "],", "',"}) {
                    int at = fit.indexOf(brk);
                    if (at >= 0) cutoff = Math.min(cutoff, at + brk.length());
                }
                fit = left[col].substring(0, cutoff);
                if (col == 0) line.append(' ');
                line.append(fit).append(" ".repeat(space));
                left[col] = left[col].substring(cutoff);
                line.append(" ".repeat(Math.max(0, positions[col] - line.length())));
            }
            s.append(line).append('\n');
        }
    }

    private long enter() {
        long stamp = lifecycle.readLock();
        if (closed) {
            lifecycle.unlockRead(stamp);
            throw new IllegalStateException("model \"" + name + "\" is closed");
        }
        return stamp;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model \"" + name + "\" is closed");
        }
    }

    /** Closes every layer, after predictions in flight finish. Idempotent. */
    @Override
    public void close() {
        long stamp = lifecycle.writeLock();
        try {
            if (!closed) {
                closed = true;
                for (int i = 0; i < IDLE_SLOTS; i++) {
                    Workspace w = idle.getAndSet(i, null);
                    if (w != null) w.close();
                }
                layers.forEach(Layer::close);
            }
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }
}
