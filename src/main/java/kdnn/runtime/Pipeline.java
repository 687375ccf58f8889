package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import kdnn.bindings.dnnl_exec_arg_t;

/**
 * A fixed sequence of steps for one input shape: the primitives, the constants they read
 * (prepacked weights), and the buffers between them. Built once, then run by any number of
 * threads at once: each concurrent call takes an execution context (stream, memory objects,
 * scratchpad, intermediate buffers) from a pool, so a call in steady state allocates nothing.
 *
 * <p>Buffers are numbered slots: {@link #INPUT} and {@link #OUTPUT} are the caller's, the
 * others are intermediate buffers each context owns.
 */
public final class Pipeline implements AutoCloseable {
    public static final int INPUT = 0;
    public static final int OUTPUT = 1;

    /** One primitive argument: its memory descriptor and where its data lives. */
    public record Arg(int arg, MemoryDesc md, int slot, MemorySegment constant, long offset) {
        /** An argument that reads or writes a slot. */
        public static Arg slot(int arg, MemoryDesc md, int slot) {
            return new Arg(arg, md, slot, null, 0);
        }

        /** An argument that reads or writes a slot's bytes from {@code offset} on. */
        public static Arg slotAt(int arg, MemoryDesc md, int slot, long offset) {
            return new Arg(arg, md, slot, null, offset);
        }

        /** An argument bound to data that outlives the pipeline or belongs to it. */
        public static Arg constant(int arg, MemoryDesc md, MemorySegment data) {
            return new Arg(arg, md, -1, data, 0);
        }
    }

    /** A step run in Java on a slot's bytes (e.g. an activation oneDNN cannot fuse). */
    @FunctionalInterface
    public interface SlotOperation {
        void apply(MemorySegment data);
    }

    /** A step run in Java from one slot's bytes into another's (e.g. a gather oneDNN has no primitive for). */
    @FunctionalInterface
    public interface SlotTransfer {
        void apply(MemorySegment from, MemorySegment to);
    }

    /** A step run in Java from several slots' bytes into another's. */
    @FunctionalInterface
    public interface SlotsTransfer {
        void apply(MemorySegment[] from, MemorySegment to);
    }

    private sealed interface Step permits PrimitiveStep, JavaStep, JavaTransferStep, JavaGatherStep {
    }

    private record JavaGatherStep(int[] from, int to, SlotsTransfer operation) implements Step {
    }

    private record PrimitiveStep(Primitive primitive, Arg[] args, MemoryDesc scratchpad) implements Step {
    }

    private record JavaStep(int slot, SlotOperation operation) implements Step {
    }

    private record JavaTransferStep(int from, int to, SlotTransfer operation) implements Step {
    }

    private final List<Step> prepare;
    private final List<Step> steps;
    private final long[] slotBytes;
    // for each slot: which caller input it is (0 for INPUT, k for an extra input), or -1
    private final int[] inputOfSlot;
    private final long scratchpadBytes;
    private final List<AutoCloseable> owned;
    private final Arena constants;
    // idle contexts: a fixed set of slots, so taking and returning one allocates nothing
    private final AtomicReferenceArray<Context> idle = new AtomicReferenceArray<>(IDLE_SLOTS);
    private static final int IDLE_SLOTS = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
    private final List<Context> all = new ArrayList<>();
    // the contexts bindings hold out of the pool (guarded by all)
    private final List<Context> heldByBindings = new ArrayList<>();
    private volatile boolean closed;

    private Pipeline(Builder b) {
        this.prepare = List.copyOf(b.prepare);
        this.steps = List.copyOf(b.steps);
        this.slotBytes = b.slotBytes.stream().mapToLong(Long::longValue).toArray();
        this.inputOfSlot = b.inputOfSlot.stream().mapToInt(Integer::intValue).toArray();
        this.owned = List.copyOf(b.owned);
        this.constants = b.constants;
        long max = 0;
        for (Step s : b.prepare) {
            if (s instanceof PrimitiveStep p) max = Math.max(max, p.primitive.scratchpadSize());
        }
        for (Step s : b.steps) {
            if (s instanceof PrimitiveStep p) max = Math.max(max, p.primitive.scratchpadSize());
        }
        this.scratchpadBytes = max;
    }

    /** Starts a pipeline; slots 0 and 1 are the caller's input and output. */
    public static Builder builder() {
        return new Builder();
    }

    /** A pipeline of one Java operation reading the caller's input and writing its output. */
    public static Pipeline ofJava(SlotTransfer operation) {
        Builder b = builder();
        try {
            b.javaStep(INPUT, OUTPUT, operation);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** Runs the steps over the caller's input and output buffers. */
    public void execute(MemorySegment input, MemorySegment output) {
        Context c = take();
        try {
            c.inputs[0] = input;
            c.run(steps, c.stepBound, c.inputs, output, ExecutionTrace.active());
        } finally {
            give(c);
        }
    }

    /** Runs the steps of a pipeline with several inputs ({@link Builder#input(int)}). */
    public void execute(MemorySegment[] inputs, MemorySegment output) {
        Context c = take();
        try {
            System.arraycopy(inputs, 0, c.inputs, 0, c.inputs.length);
            c.run(steps, c.stepBound, c.inputs, output, ExecutionTrace.active());
        } finally {
            give(c);
        }
    }

    private Context take() {
        Context c = takeIdle();
        return c != null ? c : newContext();
    }

    /** An idle context from the pool, or null. */
    private Context takeIdle() {
        int start = (int) (Thread.currentThread().threadId() % IDLE_SLOTS);
        for (int i = 0; i < IDLE_SLOTS; i++) {
            int slot = (start + i) % IDLE_SLOTS;
            Context c = idle.get(slot);
            if (c != null && idle.compareAndSet(slot, c, null)) {
                return c;
            }
        }
        return null;
    }

    /** How many execution contexts all pipelines hold now, for tests. */
    public static int liveContexts() {
        return LIVE_CONTEXTS.get();
    }

    private static final java.util.concurrent.atomic.AtomicInteger LIVE_CONTEXTS = new java.util.concurrent.atomic.AtomicInteger();

    private void give(Context c) {
        int start = (int) (Thread.currentThread().threadId() % IDLE_SLOTS);
        for (int i = 0; i < IDLE_SLOTS; i++) {
            int slot = (start + i) % IDLE_SLOTS;
            if (idle.get(slot) == null && idle.compareAndSet(slot, null, c)) {
                return;
            }
        }
        // more calls ran at once than there are slots: free this context rather than keep it
        synchronized (all) {
            if (all.remove(c)) {
                c.close();
            }
        }
    }

    private int inputCount() {
        int n = 1;
        for (int k : inputOfSlot) n = Math.max(n, k + 1);
        return n;
    }

    /** Re-runs the one-time steps (weight reorders), after the weights they read changed. */
    public void prepare() {
        if (prepare.isEmpty()) {
            return;
        }
        // a binding's context is idle here too (its runs hold the owning layer's lock, whose write
        // lock a change of weights holds): with the pool empty, borrowing it spares making another for good
        Context c = takeIdle();
        boolean borrowed = false;
        if (c == null) {
            synchronized (all) {
                if (!closed && !heldByBindings.isEmpty()) {
                    c = heldByBindings.get(0);
                    borrowed = true;
                }
            }
        }
        if (c == null) c = newContext();
        try {
            java.util.Arrays.fill(c.inputs, MemorySegment.NULL);
            c.run(prepare, c.prepareBound, c.inputs, MemorySegment.NULL, null);
        } finally {
            if (!borrowed) give(c);
        }
    }

    /**
     * One context of this pipeline bound to buffers its owner keeps (a plan's workspace), so that
     * its primitives can run as part of a {@link PrimitiveSequence}; null where a step runs in Java.
     * The context leaves the pool until the binding is closed. The owner keeps the pipeline open
     * meanwhile (a lease) and calls {@link Binding#point} before a run wherever buffers moved.
     */
    public Binding bind(MemorySegment[] inputs, MemorySegment output) {
        for (Step s : steps) {
            if (!(s instanceof PrimitiveStep)) return null;
        }
        Context c = take();
        try {
            Binding b = new Binding(c);
            b.point(inputs, output);
            synchronized (all) {
                heldByBindings.add(c);
            }
            return b;
        } catch (RuntimeException | Error e) {
            give(c);
            throw e;
        }
    }

    /** A context held by one owner, its memories pointed at the owner's buffers (see {@link #bind}). */
    public final class Binding implements AutoCloseable {
        private final Context context;
        private final boolean pointsEachRun;
        private boolean closed;

        private Binding(Context context) {
            this.context = context;
            boolean padded = false;
            for (Context.Bound b : context.stepBound) padded |= b.repointsEachCall();
            this.pointsEachRun = padded;
        }

        /** True when a memory's padded layout needs it pointed again before every run (oneDNN zero-pads it then). */
        public boolean pointsEachRun() {
            return pointsEachRun;
        }

        /** Points the memories that read the inputs and write the output at these buffers (those that moved, and padded ones). */
        public void point(MemorySegment[] inputs, MemorySegment output) {
            System.arraycopy(inputs, 0, context.inputs, 0, context.inputs.length);
            for (Context.Bound b : context.stepBound) b.point(context.inputs, output);
        }

        /** Appends this pipeline's primitives, with their bound arguments, to {@code sequence}. */
        public void appendTo(PrimitiveSequence.Builder sequence) {
            for (int k = 0; k < steps.size(); k++) {
                PrimitiveStep p = (PrimitiveStep) steps.get(k);
                Context.Bound b = context.stepBound[k];
                sequence.add(p.primitive, b.count(), b.args());
            }
        }

        /** Gives the context back to the pipeline's pool (nothing if the pipeline closed meanwhile: it freed the context). */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            synchronized (all) {
                heldByBindings.remove(context);
            }
            if (!Pipeline.this.closed) give(context);
        }
    }

    /** oneDNN's implementation names of the steps, e.g. {@code [brg_conv_fwd:avx512_core]}. */
    public List<String> implementations() {
        List<String> names = new ArrayList<>();
        for (Step s : steps) {
            if (s instanceof PrimitiveStep p) names.add(p.primitive.kind() + ":" + p.primitive.implementation());
            else names.add("java");
        }
        return names;
    }

    private Context newContext() {
        if (closed) {
            throw new IllegalStateException("pipeline is closed");
        }
        Context c = new Context();
        synchronized (all) {
            if (closed) {
                c.close();
                throw new IllegalStateException("pipeline is closed");
            }
            all.add(c);
        }
        return c;
    }

    /** Frees everything; the caller guarantees no call is running. */
    @Override
    public void close() {
        synchronized (all) {
            if (closed) {
                return;
            }
            closed = true;
            for (Context c : all) {
                c.close();
            }
            all.clear();
            heldByBindings.clear();
            for (int i = 0; i < IDLE_SLOTS; i++) {
                idle.set(i, null);
            }
        }
        RuntimeException failure = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                if (failure == null) failure = new IllegalStateException("closing pipeline", e);
            }
        }
        constants.close();
        if (failure != null) {
            throw failure;
        }
    }

    /** What one concurrent call needs of its own. */
    private final class Context {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment stream = Dnnl.streamCreate();
        private final MemorySegment[] slots = new MemorySegment[slotBytes.length];
        private final MemorySegment[] inputs = new MemorySegment[inputCount()];
        private final MemorySegment scratch;
        private final List<MemorySegment> memories = new ArrayList<>();
        // per step of each list (same index): the exec args and which memories follow the input/output
        private final Bound[] prepareBound = new Bound[prepare.size()];
        private final Bound[] stepBound = new Bound[steps.size()];

        /**
         * A step's exec args, and the memories that follow the call's input and output with the
         * address each was last pointed at: a plan hands the same buffers call after call, so most
         * calls set no handle at all.
         */
        private record Bound(MemorySegment args, int count, MemorySegment[] inputMemories, int[] inputIndex,
                             MemorySegment[] outputMemories, long[] inputAt, long[] outputAt) {
            /** {@code keep}: per input then output memory, whether its layout lets a handle stand (strided). */
            Bound(MemorySegment args, int count, MemorySegment[] inputMemories, int[] inputIndex,
                  MemorySegment[] outputMemories, boolean[] keep) {
                this(args, count, inputMemories, inputIndex, outputMemories, new long[inputMemories.length],
                        new long[outputMemories.length]);
                java.util.Arrays.fill(inputAt, -1);
                java.util.Arrays.fill(outputAt, -1);
                // a padded (blocked) layout is re-pointed every call: oneDNN zero-pads its padding when it is
                for (int i = 0; i < keep.length; i++) {
                    if (!keep[i]) {
                        if (i < inputAt.length) inputAt[i] = NEVER; else outputAt[i - inputAt.length] = NEVER;
                    }
                }
            }

            private static final long NEVER = Long.MIN_VALUE;

            /** True when a memory of a padded layout follows the input or output: pointed again every call. */
            boolean repointsEachCall() {
                for (long a : inputAt) if (a == NEVER) return true;
                for (long a : outputAt) if (a == NEVER) return true;
                return false;
            }

            void point(MemorySegment[] inputs, MemorySegment output) {
                for (int i = 0; i < inputMemories.length; i++) {
                    MemorySegment data = inputs[inputIndex[i]];
                    if (data.address() != inputAt[i]) {
                        Dnnl.memorySetDataHandle(inputMemories[i], data);
                        if (inputAt[i] != NEVER) inputAt[i] = data.address();
                    }
                }
                for (int i = 0; i < outputMemories.length; i++) {
                    if (output.address() != outputAt[i]) {
                        Dnnl.memorySetDataHandle(outputMemories[i], output);
                        if (outputAt[i] != NEVER) outputAt[i] = output.address();
                    }
                }
            }
        }

        Context() {
            LIVE_CONTEXTS.incrementAndGet(); // close() counts it out, also where this fails
            try {
                scratch = scratchpadBytes == 0 ? MemorySegment.NULL : arena.allocate(scratchpadBytes, 64);
                for (int i = 2; i < slots.length; i++) {
                    if (inputOfSlot[i] < 0) slots[i] = arena.allocate(Math.max(slotBytes[i], 1), 64);
                }
                bindAll(prepare, prepareBound, scratch);
                bindAll(steps, stepBound, scratch);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private void bindAll(List<Step> list, Bound[] bound, MemorySegment scratch) {
            for (int k = 0; k < list.size(); k++) {
                if (!(list.get(k) instanceof PrimitiveStep p)) continue;
                int n = p.args.length + (p.scratchpad == null ? 0 : 1);
                MemorySegment args = dnnl_exec_arg_t.allocateArray(n, arena);
                List<MemorySegment> in = new ArrayList<>();
                List<Integer> inIndex = new ArrayList<>();
                List<MemorySegment> out = new ArrayList<>();
                List<Boolean> inKeep = new ArrayList<>();
                List<Boolean> outKeep = new ArrayList<>();
                for (int i = 0; i < p.args.length; i++) {
                    Arg a = p.args[i];
                    boolean external = a.slot >= 0 && inputOfSlot[a.slot] >= 0;
                    MemorySegment data = a.constant != null ? a.constant
                            : a.slot >= 2 && !external ? slots[a.slot].asSlice(a.offset) : MemorySegment.NULL;
                    MemorySegment mem = Dnnl.memoryCreate(a.md.handle(), data);
                    memories.add(mem);
                    if (external) {
                        in.add(mem);
                        inIndex.add(inputOfSlot[a.slot]);
                        inKeep.add(a.md.strided());
                    }
                    if (a.slot == OUTPUT) {
                        out.add(mem);
                        outKeep.add(a.md.strided());
                    }
                    MemorySegment e = dnnl_exec_arg_t.asSlice(args, i);
                    dnnl_exec_arg_t.arg(e, a.arg);
                    dnnl_exec_arg_t.memory(e, mem);
                }
                if (p.scratchpad != null) {
                    MemorySegment mem = Dnnl.memoryCreate(p.scratchpad.handle(), scratch);
                    memories.add(mem);
                    MemorySegment e = dnnl_exec_arg_t.asSlice(args, p.args.length);
                    dnnl_exec_arg_t.arg(e, DNNL_ARG_SCRATCHPAD());
                    dnnl_exec_arg_t.memory(e, mem);
                }
                boolean[] keep = new boolean[inKeep.size() + outKeep.size()];
                for (int i = 0; i < keep.length; i++) {
                    keep[i] = i < inKeep.size() ? inKeep.get(i) : outKeep.get(i - inKeep.size());
                }
                bound[k] = new Bound(args, n, in.toArray(MemorySegment[]::new),
                        inIndex.stream().mapToInt(Integer::intValue).toArray(), out.toArray(MemorySegment[]::new), keep);
            }
        }

        /** Runs the steps; {@code trace}, when not null, records each. */
        void run(List<Step> list, Bound[] bound, MemorySegment[] inputs, MemorySegment output, ExecutionTrace trace) {
            for (int k = 0; k < list.size(); k++) {
                switch (list.get(k)) {
                    case PrimitiveStep p -> {
                        Bound b = bound[k];
                        b.point(inputs, output);
                        Threads.runWith(p.primitive.threads());
                        if (trace != null) trace.primitive(p.primitive, traceArgs(p, inputs, output));
                        Dnnl.check("dnnl_primitive_execute",
                                dnnl_primitive_execute(p.primitive.primitive(), stream, b.count, b.args));
                    }
                    case JavaStep j -> {
                        if (trace != null) {
                            trace.java("java step on the " + (j.slot == OUTPUT ? "output" : "buffer " + j.slot));
                        }
                        Dnnl.check("dnnl_stream_wait", dnnl_stream_wait(stream));
                        j.operation.apply(data(j.slot, inputs, output));
                    }
                    case JavaTransferStep t -> {
                        if (trace != null) {
                            trace.java("java step from buffer " + t.from + " into the "
                                    + (t.to == OUTPUT ? "output" : "buffer " + t.to));
                        }
                        Dnnl.check("dnnl_stream_wait", dnnl_stream_wait(stream));
                        t.operation.apply(data(t.from, inputs, output), data(t.to, inputs, output));
                    }
                    case JavaGatherStep g -> {
                        if (trace != null) {
                            trace.java("java step from buffers " + java.util.Arrays.toString(g.from) + " into the "
                                    + (g.to == OUTPUT ? "output" : "buffer " + g.to));
                        }
                        Dnnl.check("dnnl_stream_wait", dnnl_stream_wait(stream));
                        MemorySegment[] from = new MemorySegment[g.from.length];
                        for (int i = 0; i < from.length; i++) from[i] = data(g.from[i], inputs, output);
                        g.operation.apply(from, data(g.to, inputs, output));
                    }
                }
            }
            Dnnl.check("dnnl_stream_wait", dnnl_stream_wait(stream));
        }

        /** A slot's data in this call. */
        private MemorySegment data(int slot, MemorySegment[] inputs, MemorySegment output) {
            return slot == OUTPUT ? output : inputOfSlot[slot] >= 0 ? inputs[inputOfSlot[slot]] : slots[slot];
        }

        /** Where each argument's data is in this call, for a trace. */
        private List<ExecutionTrace.Arg> traceArgs(PrimitiveStep p, MemorySegment[] inputs, MemorySegment output) {
            List<ExecutionTrace.Arg> args = new ArrayList<>();
            for (Arg a : p.args) {
                MemorySegment data = a.constant != null ? a.constant
                        : a.slot == OUTPUT ? output
                        : inputOfSlot[a.slot] >= 0 ? inputs[inputOfSlot[a.slot]] : slots[a.slot];
                args.add(new ExecutionTrace.Arg(Replay.argName(a.arg), data.address() + a.offset, a.md.extentBytes()));
            }
            if (p.scratchpad != null) {
                args.add(new ExecutionTrace.Arg("scratchpad", scratch.address(), p.scratchpad.byteSize()));
            }
            return args;
        }

        void close() {
            LIVE_CONTEXTS.decrementAndGet();
            for (MemorySegment m : memories) {
                Dnnl.memoryDestroy(m);
            }
            memories.clear();
            Dnnl.streamDestroy(stream);
            arena.close();
        }
    }

    /** Assembles a pipeline; everything handed to it is owned by the pipeline afterwards. */
    public static final class Builder {
        private final List<Step> prepare = new ArrayList<>();
        private final List<Step> steps = new ArrayList<>();
        private final List<Long> slotBytes = new ArrayList<>(List.of(0L, 0L));
        private final List<Integer> inputOfSlot = new ArrayList<>(List.of(0, -1));
        private final List<AutoCloseable> owned = new ArrayList<>();
        private final Arena constants = Arena.ofShared();
        private boolean built;

        /** Takes ownership of a descriptor or primitive made for this pipeline. */
        public <T extends AutoCloseable> T own(T resource) {
            owned.add(resource);
            return resource;
        }

        /** A new intermediate buffer of {@code bytes}; returns its slot. */
        public int buffer(long bytes) {
            if (bytes < 0) {
                // a size that overflowed a long: allocating max(bytes, 1) would let a primitive write past it
                throw new IllegalArgumentException("an intermediate buffer of " + bytes + " bytes (a size past 2^63)");
            }
            slotBytes.add(bytes);
            inputOfSlot.add(-1);
            return slotBytes.size() - 1;
        }

        /** The slot of the caller's input {@code k} (0 is {@link #INPUT}), for pipelines of several inputs. */
        public int input(int k) {
            if (k == 0) {
                return INPUT;
            }
            int at = inputOfSlot.indexOf(k);
            if (at >= 0) {
                return at;
            }
            slotBytes.add(0L);
            inputOfSlot.add(k);
            return slotBytes.size() - 1;
        }

        /** Pipeline-owned native memory, e.g. for prepacked weights. */
        public MemorySegment constant(long bytes) {
            return constants.allocate(Math.max(bytes, 1), 64);
        }

        /** A primitive run on every call. */
        public Builder step(Primitive primitive, Arg... args) {
            steps.add(primitiveStep(primitive, args));
            return this;
        }

        /** A primitive run once when built and again by {@link Pipeline#prepare()}. */
        public Builder prepareStep(Primitive primitive, Arg... args) {
            prepare.add(primitiveStep(primitive, args));
            return this;
        }

        /** A Java operation on a slot, run on every call after the steps before it. */
        public Builder javaStep(int slot, SlotOperation operation) {
            steps.add(new JavaStep(slot, operation));
            return this;
        }

        /** A Java operation reading slots {@code from} and writing slot {@code to}, run on every call in turn. */
        public Builder javaStep(int[] from, int to, SlotsTransfer operation) {
            steps.add(new JavaGatherStep(from.clone(), to, operation));
            return this;
        }

        /** A Java operation reading slot {@code from} and writing slot {@code to}, run on every call in turn. */
        public Builder javaStep(int from, int to, SlotTransfer operation) {
            steps.add(new JavaTransferStep(from, to, operation));
            return this;
        }

        private PrimitiveStep primitiveStep(Primitive primitive, Arg[] args) {
            for (Arg a : args) {
                // an offset only into an intermediate buffer: the caller's are bound per call, whole
                if (a.offset != 0 && (a.slot < 2 || inputOfSlot.get(a.slot) >= 0)) {
                    throw new IllegalArgumentException("an argument at an offset must be in an intermediate buffer");
                }
            }
            own(primitive);
            MemoryDesc scratch = primitive.scratchpadSize() == 0 ? null
                    : primitive.query(dnnl_query_scratchpad_md(), 0);
            return new PrimitiveStep(primitive, args.clone(), scratch);
        }

        /** Builds and runs the one-time steps. */
        public Pipeline build() {
            if (built) {
                throw new IllegalStateException("pipeline already built");
            }
            built = true;
            Pipeline p = new Pipeline(this);
            try {
                p.prepare();
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
            return p;
        }

        /**
         * Frees what was handed over when building is abandoned; after {@link #build()} (which
         * frees everything itself when its one-time steps fail) there is nothing left to free.
         */
        public void discard() {
            if (built) return;
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (Exception ignored) {
                    // already failing; the first error is the one reported
                }
            }
            constants.close();
        }
    }
}
