package kdnn.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import kdnn.runtime.ExecutionTrace;

/**
 * One prediction's trace ({@link ExecutionTrace}) as the body of a {@code PLAN} command for
 * {@code native/bench_conv.c}: the oneDNN primitives the call executed, in order, each with the
 * line it was created from, and its arguments on buffers that overlap exactly where kdnn's did
 * (the caller's input and output, the plan's workspace, the weights, the scratchpads), so the
 * replay moves the same bytes through the same caches. What cannot be replayed (a step run in
 * Java, a primitive made on a layout kdnn did not make itself) is left out and listed.
 *
 * @param body what follows {@code PLAN name}: the buffer count, their sizes, the op count, the op lines
 * @param kinds the replayed primitives' kinds (oneDNN's names, e.g. {@code convolution_forward})
 * @param implementations oneDNN's implementation of each replayed primitive in kdnn's call
 * @param ompThreads what OpenMP gave a parallel region on kdnn's calling thread at each replayed primitive
 * @param left the steps left out, each described
 * @param firstReads what the replayed primitives read before any of them wrote it (the call's input,
 *     the weights, biases and statistics), merged where ranges overlap, each {@code {buffer, offset,
 *     bytes, address}}: the values {@link #writeData} hands to the replay
 */
record FloorPlan(String body, List<String> kinds, List<String> implementations, List<Integer> ompThreads,
                 List<String> left, List<long[]> firstReads) {

    int ops() {
        return kinds.size();
    }

    /** How many replayed primitives ran in kdnn's call with another OpenMP thread count than they were created for. */
    long threadMismatches() {
        String[] lines = body.split("\n");
        long n = 0;
        for (int i = 0; i < ompThreads.size() && i + 1 < lines.length; i++) {
            if (Integer.parseInt(lines[i + 1].split(" ")[1]) != ompThreads.get(i)) n++;
        }
        return n;
    }

    static FloorPlan of(List<ExecutionTrace.Step> trace) {
        List<ExecutionTrace.Step> replayed = new ArrayList<>();
        List<String> left = new ArrayList<>();
        for (ExecutionTrace.Step s : trace) {
            if (s.java()) {
                left.add(s.kind());
            } else if (List.of(s.replay().split(" ")).contains("?")) {
                left.add(s.kind() + " on a layout kdnn did not make (" + s.replay() + ")");
            } else {
                replayed.add(s);
            }
        }
        // buffers: the address ranges the arguments touch, merged where they overlap
        List<long[]> ranges = new ArrayList<>();
        for (ExecutionTrace.Step s : replayed) {
            // from the page the data starts in: bench_conv's buffers start on pages, so every argument keeps its
            // address within a page (which cache sets it maps to, which loads alias which stores) as in kdnn
            for (ExecutionTrace.Arg a : s.args()) {
                ranges.add(new long[] {a.address() & ~4095L, a.address() + Math.max(a.bytes(), 1)});
            }
        }
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> buffers = new ArrayList<>();
        for (long[] r : ranges) {
            long[] last = buffers.isEmpty() ? null : buffers.get(buffers.size() - 1);
            if (last != null && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
            else buffers.add(r.clone());
        }
        StringBuilder body = new StringBuilder().append(buffers.size());
        for (long[] b : buffers) body.append(' ').append(b[1] - b[0]);
        body.append(' ').append(replayed.size()).append('\n');
        for (ExecutionTrace.Step s : replayed) {
            body.append(s.replay()).append(" args ").append(s.args().size());
            for (ExecutionTrace.Arg a : s.args()) {
                int b = buffer(buffers, a.address());
                body.append(' ').append(a.name()).append("=b").append(b).append('+').append(a.address() - buffers.get(b)[0]);
            }
            body.append('\n');
        }
        return new FloorPlan(body.toString(), replayed.stream().map(ExecutionTrace.Step::kind).toList(),
                replayed.stream().map(ExecutionTrace.Step::implementation).toList(),
                replayed.stream().map(ExecutionTrace.Step::ompThreads).toList(), List.copyOf(left),
                firstReads(replayed, buffers));
    }

    /** The address ranges read before any earlier primitive's {@code dst} overlapped them, merged, on their buffers. */
    private static List<long[]> firstReads(List<ExecutionTrace.Step> replayed, List<long[]> buffers) {
        List<long[]> written = new ArrayList<>();
        List<long[]> reads = new ArrayList<>();
        for (ExecutionTrace.Step s : replayed) {
            for (ExecutionTrace.Arg a : s.args()) {
                if (a.name().equals("dst") || a.name().equals("scratchpad") || a.name().equals("workspace")) continue;
                long start = a.address(), end = a.address() + a.bytes();
                if (written.stream().noneMatch(w -> w[0] < end && start < w[1])) reads.add(new long[] {start, end});
            }
            for (ExecutionTrace.Arg a : s.args()) {
                if (a.name().equals("dst")) written.add(new long[] {a.address(), a.address() + a.bytes()});
            }
        }
        reads.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> out = new ArrayList<>();
        long[] last = null;
        for (long[] r : reads) {
            if (last != null && r[0] <= last[3] + last[2] && buffer(buffers, r[0]) == last[0]) {
                last[2] = Math.max(last[2], r[1] - last[3]);
            } else {
                int b = buffer(buffers, r[0]);
                last = new long[] {b, r[0] - buffers.get(b)[0], r[1] - r[0], r[0]};
                out.add(last);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Writes {@link #firstReads} as the call left them to {@code file}, while they are still
     * there (the model and the call's tensors open), and returns the {@code DATA} command that
     * hands them to bench_conv's replay of this plan.
     */
    String writeData(Path file) throws IOException {
        StringBuilder command = new StringBuilder("DATA ").append(firstReads.size());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long[] r : firstReads) {
                ByteBuffer bytes = MemorySegment.ofAddress(r[3]).reinterpret(r[2]).asByteBuffer();
                while (bytes.hasRemaining()) ch.write(bytes);
                command.append(" b").append(r[0]).append('+').append(r[1]).append(':').append(r[2]);
            }
        }
        return command.append(' ').append(file.toAbsolutePath()).toString(); // the rest of the line: spaces allowed
    }

    private static int buffer(List<long[]> buffers, long address) {
        int lo = 0, hi = buffers.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (buffers.get(mid)[0] <= address) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /** The steps left out, counted by what they are: {@code "2 x java step on the output"}. */
    String leftSummary() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String l : left) counts.merge(l, 1, Integer::sum);
        return counts.entrySet().stream().map(e -> e.getValue() + " x " + e.getKey()).collect(Collectors.joining("; "));
    }

    /** Where kdnn's implementations and the replay's ({@code IMPL} answers) differ, one line each; empty when they agree. */
    List<String> implementationMismatches(List<String> replay) {
        List<String> out = new ArrayList<>();
        if (replay.size() != implementations.size()) {
            out.add("bench_conv named " + replay.size() + " implementations for " + implementations.size() + " operations");
            return out;
        }
        for (int i = 0; i < replay.size(); i++) {
            if (!replay.get(i).equals(implementations.get(i))) {
                out.add("op " + i + " (" + kinds.get(i) + "): kdnn " + implementations.get(i) + ", replay " + replay.get(i));
            }
        }
        return out;
    }
}
