package kdnn.layers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.Tensor;
import kdnn.keras.L1L2;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * The layers that return their input unchanged at inference: Dropout, SpatialDropout1D/2D/3D,
 * GaussianDropout, GaussianNoise, AlphaDropout, ActivityRegularization, Identity and the random
 * image augmentations ({@link RandomAugmentation}). Their arguments only
 * matter in training; they are kept, checked as Keras checks them and written back. Alone each
 * runs as one copy; a planner may leave them out ({@link #identityAtInference()}).
 */
public abstract class InferenceIdentity extends ElementwiseLayer {
    /** Which Keras family a layer belongs to: what its config holds. */
    public enum Kind {
        /** Dropout. */
        DROPOUT,
        /** SpatialDropout1D/2D/3D. */
        SPATIAL_DROPOUT,
        /** GaussianDropout. */
        GAUSSIAN_DROPOUT,
        /** GaussianNoise. */
        GAUSSIAN_NOISE,
        /** AlphaDropout. */
        ALPHA_DROPOUT,
        /** ActivityRegularization. */
        ACTIVITY_REGULARIZATION,
        /** Identity (Keras 3, tf-keras 2.13+): no arguments. */
        IDENTITY,
        /** RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomBrightness, and Keras 3's later ones. */
        AUGMENTATION,
        /** ConvNeXt's StochasticDepth ({@code drop_path_rate}). */
        STOCHASTIC_DEPTH
    }

    private final Kind kind;
    private final int rank;
    private final double rate;
    private final long[] noiseShape;
    private final Integer seed;
    private final double stddev;
    private final L1L2 penalty;
    private final DataFormat format;
    private final boolean formatGiven;
    private final ObjectNode augmentation;

    InferenceIdentity(InferenceIdentityBuilder<?> b) {
        super(b);
        this.kind = b.kind;
        this.rank = b.rank;
        this.rate = b.rate;
        this.noiseShape = b.noiseShape == null ? null : b.noiseShape.clone();
        this.seed = b.seed;
        this.stddev = b.stddev;
        this.penalty = b.kind == Kind.ACTIVITY_REGULARIZATION ? new L1L2(b.l1, b.l2) : null;
        this.format = b.dataFormat;
        this.formatGiven = b.dataFormatGiven;
        this.augmentation = b.augmentation == null ? null : b.augmentation.deepCopy();
    }

    /** Which Keras family the layer belongs to. */
    public final Kind kind() {
        return kind;
    }

    /** The drop rate (Dropout, SpatialDropout, GaussianDropout, AlphaDropout). */
    public final double rate() {
        return rate;
    }

    /** The data_format of the spatial dropouts (the others: channels_last). */
    public final DataFormat dataFormat() {
        return format;
    }

    @Override
    final int requiredRank() {
        return kind == Kind.SPATIAL_DROPOUT || kind == Kind.AUGMENTATION ? rank + 2 : 0;
    }

    @Override
    final boolean identityAtInference() {
        return true;
    }

    @Override
    final Pipeline pipeline(long count) {
        return Copies.copy(count);
    }

    @Override
    final double bound(double pre) {
        return pre;
    }

    /** ActivityRegularization: Keras' {@code L1L2(l1, l2)} of the output, as the convolutions' activity penalty. */
    @Override
    public final double activityPenalty(Tensor output) {
        ensureOpen();
        return penalty == null ? 0 : penalty.penalty(output.toFloatArray());
    }

    /** Keras' config keys in Keras 2's order. */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        switch (kind) {
            case DROPOUT, SPATIAL_DROPOUT, ALPHA_DROPOUT -> {
                c.put("rate", rate);
                // tf-keras' AlphaDropout writes no noise_shape unless one was given
                if (kind != Kind.ALPHA_DROPOUT || noiseShape != null) putNoiseShape(c);
                putSeed(c);
                // tf-keras writes no data_format for SpatialDropout2D/3D; kept when given so it reads back
                if (kind == Kind.SPATIAL_DROPOUT && formatGiven) c.put("data_format", format.kerasName());
            }
            case GAUSSIAN_DROPOUT -> {
                c.put("rate", rate);
                putSeed(c);
            }
            case GAUSSIAN_NOISE -> {
                c.put("stddev", stddev);
                putSeed(c);
            }
            case ACTIVITY_REGULARIZATION -> {
                c.put("l1", (double) penalty.l1());
                c.put("l2", (double) penalty.l2());
            }
            case IDENTITY -> { }
            case AUGMENTATION -> c.setAll(augmentation.deepCopy());
            case STOCHASTIC_DEPTH -> c.put("drop_path_rate", rate);
        }
        return c;
    }

    private void putNoiseShape(ObjectNode c) {
        if (noiseShape == null) {
            c.putNull("noise_shape");
            return;
        }
        ArrayNode a = c.putArray("noise_shape");
        for (long d : noiseShape) {
            if (d < 0) a.addNull(); else a.add(d);
        }
    }

    private void putSeed(ObjectNode c) {
        if (seed == null) c.putNull("seed"); else c.put("seed", seed);
    }
}
