package kdnn.layers;

import kdnn.runtime.Resizes;

/**
 * The windows Keras resizes, as its code computes them: {@code crop_to_aspect_ratio} and
 * {@code pad_to_aspect_ratio} of Keras 3's TensorFlow backend (float32 arithmetic, truncated),
 * {@code smart_resize}'s crop (Python floats) and CenterCrop's centre window.
 */
final class ResizeWindows {
    private ResizeWindows() {
    }

    /** The largest centred window of the target's aspect ratio (float32, as {@code tf.cast} computes it). */
    static Resizes.Window cropToAspectRatio(long h, long w, long th, long tw) {
        long cropH = Math.max(Math.min(h, (long) ((float) (w * th) / (float) tw)), 1);
        long cropW = Math.max(Math.min(w, (long) ((float) (h * tw) / (float) th)), 1);
        return new Resizes.Window(cropH, cropW, (long) ((float) (h - cropH) / 2f), (long) ((float) (w - cropW) / 2f), 0f);
    }

    /**
     * The input inside an even border of {@code fill} on its short side: Keras pads {@code int((pad - h) / 2)}
     * on each side, so an odd difference loses one row.
     */
    static Resizes.Window padToAspectRatio(long h, long w, long th, long tw, float fill) {
        long padH = Math.max(h, (long) ((float) (w * th) / (float) tw));
        long padW = Math.max(w, (long) ((float) (h * tw) / (float) th));
        long top = (long) ((float) (padH - h) / 2f);
        long left = (long) ((float) (padW - w) / 2f);
        return new Resizes.Window(h + 2 * top, w + 2 * left, -top, -left, fill);
    }

    /** {@code smart_resize}'s crop, in Python floats (Keras 3's {@code image_utils}). */
    static Resizes.Window smartResize(long h, long w, long th, long tw) {
        long cropH = Math.max(Math.min(h, (long) ((double) (w * th) / tw)), 1);
        long cropW = Math.max(Math.min(w, (long) ((double) (h * tw) / th)), 1);
        return new Resizes.Window(cropH, cropW, (long) ((double) (h - cropH) / 2), (long) ((double) (w - cropW) / 2), 0f);
    }

    /**
     * CenterCrop's window: the centred {@code th x tw} when the input is at least that large both
     * ways (starting at {@code int(diff / 2)}), else {@code smart_resize}'s.
     */
    static Resizes.Window centerCrop(long h, long w, long th, long tw) {
        if (h >= th && w >= tw) return new Resizes.Window(th, tw, (h - th) / 2, (w - tw) / 2, 0f);
        return smartResize(h, w, th, tw);
    }

    /**
     * Keras 3's RandomResizedCrop at inference: the centred window of the target's aspect ratio, in
     * float32 as Keras computes it, its start and size truncated to integers.
     */
    static Resizes.Window centeredAspectCrop(long h, long w, long th, long tw) {
        float inputH = h;
        float inputW = w;
        float target = (float) tw / (float) th;
        float inputAspect = inputW / inputH;
        float cropH = inputAspect > target ? inputH : inputW / target;
        float cropW = inputAspect > target ? inputH * target : inputW;
        long top = (long) ((inputH - cropH) / 2.0f);
        long left = (long) ((inputW - cropW) / 2.0f);
        // Python's slice stops at the image's end
        long rows = Math.min((long) cropH, h - top);
        long cols = Math.min((long) cropW, w - left);
        return new Resizes.Window(rows, cols, top, left, 0f);
    }
}
