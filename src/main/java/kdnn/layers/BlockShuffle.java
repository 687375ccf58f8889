package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * TensorFlow's {@code tf.nn.depth_to_space} and {@code tf.nn.space_to_depth} of a 4-D tensor,
 * as tf.keras saves them (a TFOpLambda): the sub-pixel convolution's upscaling (ESPCN's pixel
 * shuffle) and YOLOv2's reorganization. Depth to space moves channel {@code (i * b + j) * C' + c}
 * of pixel {@code (h, w)} to channel {@code c} of pixel {@code (h * b + i, w * b + j)}; space to
 * depth is its inverse. {@code data_format} NHWC or NCHW, as TensorFlow takes it. One reorder
 * of the input seen as six axes: every value arrives bit for bit. Keras 3 has no such operation,
 * so only tf.keras' files hold it.
 */
public final class BlockShuffle extends MovingLayer implements KerasOperation {
    /** kdnn's class names: {@code "DepthToSpace"}, {@code "SpaceToDepth"}. */
    public static final List<String> CLASS_NAMES = List.of("DepthToSpace", "SpaceToDepth");

    private final boolean toSpace;
    private final int blockSize;
    private final boolean channelsFirst;

    private BlockShuffle(String name, long[] batchInputShape, boolean trainable, boolean toSpace, int blockSize,
                         boolean channelsFirst) {
        super(name, batchInputShape, trainable);
        this.toSpace = toSpace;
        this.blockSize = blockSize;
        this.channelsFirst = channelsFirst;
    }

    /** From kdnn's config form of {@code className}: {@code block_size}, {@code data_format} ("NHWC" or "NCHW"). */
    public static BlockShuffle fromConfig(String className, JsonNode config) {
        if (!CLASS_NAMES.contains(className)) throw new IllegalArgumentException("not a block shuffle: " + className);
        ConfigReader r = new ConfigReader(className, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode block = r.node("block_size");
        if (!block.isIntegralNumber() || !block.canConvertToInt() || block.intValue() < 2) {
            // TensorFlow's attribute check
            throw new IllegalArgumentException(className + ": Value for attr 'block_size' of " + block
                    + " must be at least minimum 2");
        }
        String format = r.string("data_format", "NHWC");
        if (!format.equals("NHWC") && !format.equals("NCHW")) {
            throw new IllegalArgumentException(className + " with data_format=" + format + " is not supported by kdnn"
                    + " (it takes NHWC and NCHW)");
        }
        r.finish();
        return Layer.builtFor(new BlockShuffle(name == null ? LayerNames.next(className) : name, batchInputShape,
                trainable, className.equals("DepthToSpace"), block.intValue(), format.equals("NCHW")), batchInputShape);
    }

    /** The side of each block. */
    public int blockSize() {
        ensureOpen();
        return blockSize;
    }

    @Override
    public String className() {
        return toSpace ? "DepthToSpace" : "SpaceToDepth";
    }

    @Override
    public String tfFunction() {
        return toSpace ? "nn.depth_to_space" : "nn.space_to_depth";
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 4) throw incompatible(shape, "input rank should be: 4 instead of: " + shape.length);
        int c = channelsFirst ? 1 : 3;
        int h = channelsFirst ? 2 : 1;
        long b = blockSize;
        long[] out = shape.clone();
        if (toSpace) {
            if (shape[c] >= 0 && shape[c] % (b * b) != 0) {
                throw incompatible(shape, "Input depth dimension " + shape[c] + " should be divisible by: " + b * b);
            }
            out[c] = shape[c] < 0 ? -1 : shape[c] / (b * b);
            for (int a = h; a < h + 2; a++) out[a] = shape[a] < 0 ? -1 : shape[a] * b;
        } else {
            if (shape[h] >= 0 && shape[h] % b != 0 || shape[h + 1] >= 0 && shape[h + 1] % b != 0) {
                throw incompatible(shape, "Image width " + shape[h + 1] + " and height " + shape[h]
                        + " should be divisible by block_size: " + b);
            }
            out[c] = shape[c] < 0 ? -1 : shape[c] * b * b;
            for (int a = h; a < h + 2; a++) out[a] = shape[a] < 0 ? -1 : shape[a] / b;
        }
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] s = inputShape;
        long b = blockSize;
        computeOutputShape(s);
        // the input as six axes, transposed into the output's order
        if (channelsFirst) {
            long n = s[0];
            long c = s[1];
            long h = s[2];
            long w = s[3];
            return toSpace ? Copies.permute(new long[] {n, b, b, c / (b * b), h, w}, new int[] {0, 3, 4, 1, 5, 2})
                    : Copies.permute(new long[] {n, c, h / b, b, w / b, b}, new int[] {0, 3, 5, 1, 2, 4});
        }
        long n = s[0];
        long h = s[1];
        long w = s[2];
        long c = s[3];
        return toSpace ? Copies.permute(new long[] {n, h, w, b, b, c / (b * b)}, new int[] {0, 1, 3, 2, 4, 5})
                : Copies.permute(new long[] {n, h / b, b, w / b, b, c}, new int[] {0, 1, 3, 2, 4, 5});
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("block_size", blockSize);
        c.put("data_format", channelsFirst ? "NCHW" : "NHWC");
        return c;
    }
}
