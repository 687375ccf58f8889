package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * TensorFlow's {@code tf.image.resize} (half-pixel centres, no antialiasing) of the spatial axes
 * of {N, C, H, W}, as Keras' Resizing and CenterCrop call it, after an optional crop or padding:
 * the image resized is a window of the input, or the input inside a border of a fill value.
 * Bilinear is oneDNN's linear resampling (it agrees with TensorFlow's to the rounding of the
 * sampling positions); nearest is a gather in Java with TensorFlow's own float index arithmetic,
 * since oneDNN rounds positions that fall on a whole pixel the other way; the other methods are
 * TensorFlow's own kernels in Java ({@link Bicubic}, {@link ResizeArea}, {@link ScaleAndTranslate}).
 */
public final class Resizes {
    private Resizes() {
    }

    /**
     * Where the image lies: image pixel {@code (y, x)} is input pixel {@code (y + shiftY, x + shiftX)},
     * or {@code fill} where that is outside the input (a padded image).
     */
    public record Window(long imageHeight, long imageWidth, long shiftY, long shiftX, float fill) {
        /** The whole input. */
        public static Window whole(long height, long width) {
            return new Window(height, width, 0, 0, 0f);
        }

        boolean cropsOrPads(long height, long width) {
            return imageHeight != height || imageWidth != width || shiftY != 0 || shiftX != 0;
        }

        boolean pads() {
            return shiftY < 0 || shiftX < 0;
        }
    }

    /** tf.image.resize's methods, by Keras' names. */
    public enum Method {
        NEAREST, BILINEAR, BICUBIC, AREA, LANCZOS3, LANCZOS5, GAUSSIAN, MITCHELLCUBIC;

        /** Keras' name: {@code "bilinear"}, {@code "lanczos3"}... */
        public String kerasName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The method of Keras' name, or null. */
        public static Method of(String kerasName) {
            for (Method m : values()) if (m.kerasName().equals(kerasName)) return m;
            return null;
        }

        /** True where the weights can be negative (the cubics and Lanczos): outputs may exceed the inputs' range. */
        public boolean overshoots() {
            return this == BICUBIC || this == LANCZOS3 || this == LANCZOS5 || this == MITCHELLCUBIC;
        }
    }

    /** True where tf.image.resize runs the method in Java here: all but bilinear and nearest, and every antialiased one but nearest and area. */
    static boolean inJava(Method method, boolean antialias) {
        return method != Method.NEAREST && (antialias || method != Method.BILINEAR);
    }

    /**
     * The Java resize of {N, C, H, W} images to {@code outHeight x outWidth} for the methods oneDNN
     * has no resampling for (bicubic, area, Lanczos, Gaussian, Mitchell's cubic, and bilinear with
     * antialiasing): TensorFlow's own kernels, as {@code tf.image.resize} picks them.
     */
    public static Pipeline.SlotTransfer javaResize(Method method, boolean antialias, long n, long c, long h, long w,
                                                   long outHeight, long outWidth, boolean srcChannelsLast,
                                                   boolean dstChannelsLast) {
        ScaleAndTranslate.Kernel kernel = switch (method) {
            case BILINEAR -> ScaleAndTranslate.Kernel.TRIANGLE;
            case BICUBIC -> antialias ? ScaleAndTranslate.Kernel.KEYSCUBIC : null;
            case LANCZOS3, LANCZOS5, GAUSSIAN, MITCHELLCUBIC -> ScaleAndTranslate.Kernel.valueOf(method.name());
            default -> null;
        };
        if (method == Method.BICUBIC && !antialias) {
            return Bicubic.resize(n, c, h, w, outHeight, outWidth, srcChannelsLast, dstChannelsLast);
        }
        if (method == Method.AREA) {
            return ResizeArea.resize(n, c, h, w, outHeight, outWidth, srcChannelsLast, dstChannelsLast);
        }
        if (kernel == null || method == Method.BILINEAR && !antialias) {
            throw new IllegalArgumentException(method + " runs in oneDNN");
        }
        return ScaleAndTranslate.resize(kernel, antialias, n, c, h, w, outHeight, outWidth, srcChannelsLast,
                dstChannelsLast);
    }

    /** TensorFlow's nearest source index for output {@code o}: {@code min(floor((o + 0.5f) * (in / out)), in - 1)}. */
    public static int nearestIndex(int o, long in, long out) {
        float scale = (float) in / out;
        return (int) Math.max(0, Math.min((long) Math.floor((o + 0.5f) * scale), in - 1));
    }

    /**
     * The pipeline from an input of logical {@code srcDims} {N, C, H, W} to {@code dstDims}, both
     * laid out as {@code tag} (channels last or first), resizing {@code window}'s image.
     */
    public static Pipeline resize(long[] srcDims, Window window, long[] dstDims, Method method, boolean antialias, int tag) {
        long n = srcDims[0];
        long c = srcDims[1];
        long[] imageDims = {n, c, window.imageHeight(), window.imageWidth()};
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = b.own(MemoryDesc.withTag(srcDims, dnnl_f32(), tag));
            MemoryDesc image = b.own(MemoryDesc.withTag(imageDims, dnnl_f32(), tag));
            if (dstDims[2] == imageDims[2] && dstDims[3] == imageDims[3] && !window.pads()) {
                // no resize: the window (CenterCrop's usual case) or the whole input, copied once
                MemoryDesc part = b.own(src.submemory(imageDims, new long[] {0, 0, window.shiftY(), window.shiftX()}));
                b.step(Convolutions.reorder(part, image), Pipeline.Arg.slot(DNNL_ARG_FROM(), part, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), image, Pipeline.OUTPUT));
                return b.build();
            }
            int imageSlot = Pipeline.INPUT;
            if (window.cropsOrPads(srcDims[2], srcDims[3])) {
                imageSlot = b.buffer(image.byteSize());
                if (window.pads()) {
                    // the border first, on every call, then the input into its place
                    float fill = window.fill();
                    b.javaStep(imageSlot, data -> {
                        if (Float.floatToRawIntBits(fill) == 0) {
                            data.fill((byte) 0);
                        } else {
                            for (long i = 0, k = data.byteSize() / Float.BYTES; i < k; i++) {
                                data.setAtIndex(ValueLayout.JAVA_FLOAT, i, fill);
                            }
                        }
                    });
                    MemoryDesc place = b.own(image.submemory(srcDims, new long[] {0, 0, -window.shiftY(), -window.shiftX()}));
                    b.step(Convolutions.reorder(src, place), Pipeline.Arg.slot(DNNL_ARG_FROM(), src, Pipeline.INPUT),
                            Pipeline.Arg.slot(DNNL_ARG_TO(), place, imageSlot));
                } else {
                    MemoryDesc part = b.own(src.submemory(imageDims, new long[] {0, 0, window.shiftY(), window.shiftX()}));
                    b.step(Convolutions.reorder(part, image), Pipeline.Arg.slot(DNNL_ARG_FROM(), part, Pipeline.INPUT),
                            Pipeline.Arg.slot(DNNL_ARG_TO(), image, imageSlot));
                }
            }
            boolean channelsLast = tag == Convolutions.channelsLastTag(2);
            // a 1x1 output is the same bytes in either order; oneDNN 3.13's jit resampling writes past a
            // channels-first one (NativeBoundsTest), so it is written channels last
            int dstTag = dstDims[2] * dstDims[3] == 1 ? Convolutions.channelsLastTag(2) : tag;
            MemoryDesc dst = b.own(MemoryDesc.withTag(dstDims, dnnl_f32(), dstTag));
            if (dstDims[2] == imageDims[2] && dstDims[3] == imageDims[3]) {
                b.step(Convolutions.reorder(image, dst), Pipeline.Arg.slot(DNNL_ARG_FROM(), image, imageSlot),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), dst, Pipeline.OUTPUT));
            } else if (inJava(method, antialias)) {
                b.javaStep(imageSlot, Pipeline.OUTPUT, javaResize(method, antialias, n, c, imageDims[2], imageDims[3],
                        dstDims[2], dstDims[3], channelsLast, dstTag == Convolutions.channelsLastTag(2)));
            } else if (method == Method.BILINEAR) {
                b.step(ShapeOps.resampling(image, dst, new float[] {(float) dstDims[2] / imageDims[2],
                                (float) dstDims[3] / imageDims[3]}, dnnl_resampling_linear()),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), image, imageSlot), Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            } else {
                b.javaStep(imageSlot, Pipeline.OUTPUT, nearest(imageDims, dstDims, channelsLast));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** The nearest-neighbour gather, its source rows and columns worked out once. */
    private static Pipeline.SlotTransfer nearest(long[] imageDims, long[] dstDims, boolean channelsLast) {
        long n = imageDims[0];
        long c = imageDims[1];
        long h = imageDims[2];
        long w = imageDims[3];
        int oh = Math.toIntExact(dstDims[2]);
        int ow = Math.toIntExact(dstDims[3]);
        int[] rows = new int[oh];
        int[] cols = new int[ow];
        for (int y = 0; y < oh; y++) rows[y] = nearestIndex(y, h, oh);
        for (int x = 0; x < ow; x++) cols[x] = nearestIndex(x, w, ow);
        long pixelBytes = c * Float.BYTES;
        return (from, to) -> {
            if (channelsLast) {
                long at = 0;
                for (long b = 0; b < n; b++) {
                    for (int y = 0; y < oh; y++) {
                        long rowStart = (b * h + rows[y]) * w;
                        for (int x = 0; x < ow; x++) {
                            MemorySegment.copy(from, (rowStart + cols[x]) * pixelBytes, to, at, pixelBytes);
                            at += pixelBytes;
                        }
                    }
                }
            } else {
                long at = 0;
                for (long plane = 0; plane < n * c; plane++) {
                    for (int y = 0; y < oh; y++) {
                        long rowStart = (plane * h + rows[y]) * w;
                        for (int x = 0; x < ow; x++) {
                            to.setAtIndex(ValueLayout.JAVA_FLOAT, at++, from.getAtIndex(ValueLayout.JAVA_FLOAT, rowStart + cols[x]));
                        }
                    }
                }
            }
        };
    }
}
