package kdnn.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An EinsumDense equation as Keras reads it ({@code _analyze_einsum_string}): {@code [X],[Y]->[Z]},
 * {@code ...[X],[Y]->...[Z]} or {@code [X]...,[Y]->[Z]...}, the input's spec, the kernel's and the
 * output's; from an input shape and the partial output shape, the kernel's and bias's shapes and
 * the full output shape, with Keras' checks and wording.
 */
record EinsumEquation(String equation, String input, String kernel, String output, Ellipsis ellipsis) {
    enum Ellipsis { NONE, LEFT, RIGHT }

    private static final Pattern PLAIN = Pattern.compile("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)");
    private static final Pattern LEFT = Pattern.compile("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)");
    private static final Pattern RIGHT = Pattern.compile("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0");

    /** Keras' three forms, matched as Keras' {@code re.match} does (from the start). */
    static EinsumEquation parse(String equation) {
        String dots = equation.replace("...", "0");
        for (Ellipsis e : Ellipsis.values()) {
            Matcher m = (e == Ellipsis.NONE ? PLAIN : e == Ellipsis.LEFT ? LEFT : RIGHT).matcher(dots);
            if (m.lookingAt()) {
                EinsumEquation q = new EinsumEquation(equation, m.group(1), m.group(2), m.group(3), e);
                for (String spec : List.of(q.input, q.kernel, q.output)) {
                    if (spec.chars().distinct().count() != spec.length()) {
                        throw new IllegalArgumentException("EinsumDense: equation '" + equation + "' repeats a letter in"
                                + " '" + spec + "' (a diagonal), which kdnn does not compute");
                    }
                }
                return q;
            }
        }
        throw new IllegalArgumentException("Invalid einsum equation '" + equation + "'. Equations must be in the form"
                + " [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....");
    }

    /**
     * Keras' analysis for an input of this shape (batch -1 when unknown) and the partial output
     * shape (null entries unknown).
     * @param kernelShape the kernel's shape
     * @param biasShape the bias's (from the first bias axis of the output on), or null without bias_axes
     * @param outputShape the full output shape as the contraction gives it (an axis the input gives
     *                    has the input's length)
     * @param inputAxes the kernel's axes that come from the input (its fan-in)
     * @param outputAxes the kernel's axes that come from the output (its fan-out)
     */
    record Shapes(int[] kernelShape, int[] biasShape, long[] outputShape, int[] inputAxes, int[] outputAxes) {}

    Shapes analyze(long[] inputShape, Long[] partialOutput, String biasAxes) {
        int elided = inputShape.length - input.length();
        if (elided < 0 || elided > 0 && ellipsis == Ellipsis.NONE) {
            throw new IllegalArgumentException("EinsumDense: the equation '" + equation + "' takes inputs of rank "
                    + input.length() + (ellipsis == Ellipsis.NONE ? "" : " or more") + ", got shape "
                    + kdnn.layers.Shapes.format(inputShape));
        }
        boolean left = ellipsis == Ellipsis.LEFT;
        List<Long> out = new ArrayList<>(Arrays.asList(partialOutput));
        out.add(0, inputShape[0]);
        if (elided > 0 && left) {
            for (int i = 1; i < elided; i++) out.add(1, inputShape[i]);
        } else if (elided > 0) {
            for (int i = inputShape.length - elided; i < inputShape.length; i++) out.add(inputShape[i]);
        }
        int outputAt = left ? elided : 0; // where the output spec's letters start in the full output
        for (int i = 0; i < input.length(); i++) {
            char d = input.charAt(i);
            int o = output.indexOf(d);
            if (o < 0) continue;
            long in = inputShape[i + (left ? elided : 0)];
            Long at = out.get(o + outputAt);
            if (at != null && at != in && !(at < 0 || in < 0)) {
                throw new IllegalArgumentException("Input shape and output shape do not match at shared dimension '" + d
                        + "'. Input shape is " + in + ", and output shape is " + at + ".");
            }
            out.set(o + outputAt, in); // the contraction gives the input's length there
        }
        for (char d : output.toCharArray()) {
            if (input.indexOf(d) < 0 && kernel.indexOf(d) < 0) {
                throw new IllegalArgumentException("Dimension '" + d + "' was specified in the output '" + output
                        + "' but has no corresponding dim in the input spec '" + input + "' or weight spec '" + output
                        + "'");
            }
        }
        int[] kernelShape = new int[kernel.length()];
        List<Integer> inAxes = new ArrayList<>();
        List<Integer> outAxes = new ArrayList<>();
        for (int i = 0; i < kernel.length(); i++) {
            char d = kernel.charAt(i);
            Long size;
            if (output.indexOf(d) >= 0) {
                size = out.get(output.indexOf(d) + outputAt);
                outAxes.add(i);
            } else if (input.indexOf(d) >= 0) {
                size = inputShape[input.indexOf(d) + (left ? elided : 0)];
                inAxes.add(i);
            } else {
                throw new IllegalArgumentException("Weight dimension '" + d + "' did not have a match in either the input"
                        + " spec '" + input + "' or the output spec '" + output + "'. For this layer, the weight must be"
                        + " fully specified.");
            }
            if (size == null || size <= 0) {
                throw new IllegalArgumentException("EinsumDense: the kernel's dimension '" + d + "' of '" + equation
                        + "' needs a known length; `output_shape` gives " + size + " there");
            }
            kernelShape[i] = Math.toIntExact(size);
        }
        int[] biasShape = null;
        if (biasAxes != null) {
            int first = Integer.MAX_VALUE;
            for (char c : biasAxes.toCharArray()) {
                if (output.indexOf(c) < 0) {
                    throw new IllegalArgumentException("Bias dimension '" + c + "' was requested, but is not part of the"
                            + " output spec '" + output + "'");
                }
                first = Math.min(first, output.indexOf(c));
            }
            if (biasAxes.isEmpty()) {
                throw new IllegalArgumentException("EinsumDense: `bias_axes` must name at least one output axis, got ''");
            }
            List<Integer> bias = new ArrayList<>();
            for (int i = first; i < output.length(); i++) {
                Long size = out.get(i + outputAt);
                if (biasAxes.indexOf(output.charAt(i)) < 0) {
                    bias.add(1);
                } else if (size == null || size <= 0) {
                    throw new IllegalArgumentException("EinsumDense: bias axis '" + output.charAt(i) + "' needs a known"
                            + " length, got " + size);
                } else {
                    bias.add(Math.toIntExact(size));
                }
            }
            if (!left) for (int i = 0; i < elided; i++) bias.add(1);
            biasShape = bias.stream().mapToInt(Integer::intValue).toArray();
        }
        long[] full = new long[out.size()];
        for (int i = 0; i < full.length; i++) {
            Long v = out.get(i);
            if (v == null) {
                throw new IllegalArgumentException("EinsumDense: output axis " + i + " of '" + equation + "' has no known"
                        + " length");
            }
            full[i] = v;
        }
        return new Shapes(kernelShape, biasShape, full, inAxes.stream().mapToInt(Integer::intValue).toArray(),
                outAxes.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The input's and output's letters with the elided axes named too (by characters no equation
     * uses), for an input of this rank: what the contraction runs on.
     */
    String[] fullSpecs(int inputRank) {
        int elided = inputRank - input.length();
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < elided; i++) names.append((char) ('0' + i));
        return switch (ellipsis) {
            case LEFT -> new String[] {names + input, names + output};
            case RIGHT -> new String[] {input + names, output + names};
            case NONE -> new String[] {input, output};
        };
    }
}
