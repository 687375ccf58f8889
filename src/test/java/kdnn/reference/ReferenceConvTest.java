package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-computed convolutions, so the reference is checked by more than the golden files. */
class ReferenceConvTest {

    private static RefArray a(int[] shape, float... data) {
        return new RefArray(shape, data);
    }

    private static int[] s(int... v) {
        return v;
    }

    private static final RefArray X1234 = a(s(1, 4, 1), 1, 2, 3, 4);
    private static final RefArray K_1_10 = a(s(2, 1, 1), 1, 10);

    @Test
    void conv1dValidWithBias() {
        RefArray y = ReferenceConv.conv(X1234, K_1_10, a(s(1), 0.5f), s(1), "valid", s(1), 1, false);
        assertArrayEquals(s(1, 3, 1), y.shape());
        assertArrayEquals(new float[] {21.5f, 32.5f, 43.5f}, y.data());
    }

    @Test
    void causalPadsOnlyTheLeft() {
        // [0, 1, 2, 3, 4] convolved with [1, 10]
        RefArray y = ReferenceConv.conv(X1234, K_1_10, null, s(1), "causal", s(1), 1, false);
        assertArrayEquals(new float[] {10, 21, 32, 43}, y.data());
        // dilation 2: [0, 0, 1, 2, 3, 4], taps two apart
        RefArray d = ReferenceConv.conv(X1234, K_1_10, null, s(1), "causal", s(2), 1, false);
        assertArrayEquals(new float[] {10, 20, 31, 42}, d.data());
    }

    @Test
    void causalIsRefusedBeyond1d() {
        RefArray x = RefArray.zeros(1, 3, 3, 1);
        RefArray k = RefArray.zeros(2, 2, 1, 1);
        assertThrows(IllegalArgumentException.class,
                () -> ReferenceConv.conv(x, k, null, s(1, 1), "causal", s(1, 1), 1, false));
    }

    @Test
    void sameWithEvenKernelPadsTheLargerHalfAfter() {
        // n=5, k=2, s=2: out 3, total padding 1, all of it after: [1,2,3,4,5,0]
        RefArray x = a(s(1, 5, 1), 1, 2, 3, 4, 5);
        RefArray y = ReferenceConv.conv(x, K_1_10, null, s(2), "SAME", s(1), 1, false);
        assertArrayEquals(new float[] {21, 43, 5}, y.data());
    }

    @Test
    void stridesWithDilationAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ReferenceConv.conv(X1234, K_1_10, null, s(2), "valid", s(2), 1, false));
    }

    @Test
    void validKernelLargerThanInputIsRefused() {
        RefArray k = RefArray.zeros(5, 1, 1);
        assertThrows(IllegalArgumentException.class,
                () -> ReferenceConv.conv(X1234, k, null, s(1), "valid", s(1), 1, false));
    }

    @Test
    void depthwiseOutputChannelIsInputChannelTimesMultiplierPlusM() {
        // 1x1 spatial, channels [1, 2], kernel[c][m] = {1, 10, 100, 1000}
        RefArray x = a(s(1, 1, 1, 2), 1, 2);
        RefArray k = a(s(1, 1, 2, 2), 1, 10, 100, 1000);
        RefArray y = ReferenceConv.depthwise(x, k, s(1, 1), "valid", s(1, 1), false);
        assertArrayEquals(s(1, 1, 1, 4), y.shape());
        assertArrayEquals(new float[] {1, 10, 200, 2000}, y.data());
    }

    @Test
    void groupsConnectEachFilterToItsOwnChannels() {
        // 2 channels, 2 groups: filter 0 sees channel 0 (weight 3), filter 1 channel 1 (weight 5)
        RefArray x = a(s(1, 1, 2), 1, 2);
        RefArray k = a(s(1, 1, 2), 3, 5);
        RefArray y = ReferenceConv.conv(x, k, null, s(1), "valid", s(1), 2, false);
        assertArrayEquals(new float[] {3, 10}, y.data());
    }

    @Test
    void transposedKernelSmallerThanStrideLeavesBiasOnlyGaps() {
        // valid: length n*s + max(k-s, 0) = 6; input lands at 0 and 3, the rest is the bias
        RefArray x = a(s(1, 2, 1), 3, 4);
        RefArray k = a(s(1, 1, 1), 2);
        RefArray y = ReferenceConv.transposed(x, k, a(s(1), 0.5f), s(3), "valid", s(1), null, false);
        assertArrayEquals(new float[] {6.5f, 0.5f, 0.5f, 8.5f, 0.5f, 0.5f}, y.data());
    }

    @Test
    void transposedSameStride2() {
        // out length 4, forward padding before = max(1*2 + 3 - 4, 0)/2 = 0, so o = 2i + t
        RefArray x = a(s(1, 2, 1), 1, 2);
        RefArray k = a(s(3, 1, 1), 1, 10, 100);
        RefArray y = ReferenceConv.transposed(x, k, null, s(2), "same", s(1), null, false);
        assertArrayEquals(new float[] {1, 10, 102, 20}, y.data());
    }

    @Test
    void transposedLengthFollowsKeras2() {
        assertEquals(7, ReferenceConv.transposedLength(3, 3, 2, 1, false, null));
        assertEquals(6, ReferenceConv.transposedLength(3, 1, 2, 1, false, null));
        assertEquals(6, ReferenceConv.transposedLength(3, 4, 2, 1, true, null));
        assertEquals(8, ReferenceConv.transposedLength(3, 3, 2, 1, false, 1)); // (3-1)*2 + 3 + 1
        assertEquals(6, ReferenceConv.transposedLength(3, 3, 2, 1, true, 1));  // (3-1)*2 + 3 - 2 + 1
        assertEquals(9, ReferenceConv.transposedLength(5, 3, 1, 2, false, null)); // keff 5
    }

    /** The transposed conv is the adjoint of the forward one: <conv(x), y> == <x, convT(y)>. */
    @Test
    void transposedIsTheAdjointOfForward() {
        checkAdjoint(s(6, 8), s(3, 2), s(2, 2), s(1, 1), "same");
        checkAdjoint(s(5, 6), s(3, 3), s(1, 1), s(1, 1), "valid");
        checkAdjoint(s(7, 7), s(2, 3), s(1, 1), s(2, 1), "valid");
    }

    private static void checkAdjoint(int[] spatial, int[] ks, int[] strides, int[] dilation, String padding) {
        Random rnd = new Random(7);
        int c = 3;
        int f = 2;
        RefArray x = random(rnd, 2, spatial[0], spatial[1], c);
        RefArray k = random(rnd, ks[0], ks[1], c, f);
        RefArray fx = ReferenceConv.conv(x, k, null, strides, padding, dilation, 1, false);
        RefArray y = random(rnd, fx.shape());
        // the same array read as a transposed kernel (k.., filters=c, in=f)
        RefArray ty = ReferenceConv.transposed(y, k, null, strides, padding, dilation, null, false);
        assertArrayEquals(x.shape(), ty.shape());
        assertEquals(dot(fx, y), dot(x, ty), 1e-4);
    }

    @Test
    void channelsFirstIsChannelsLastTransposed() {
        Random rnd = new Random(3);
        RefArray x = random(rnd, 1, 3, 5, 4, 2);
        RefArray k = random(rnd, 2, 3, 2, 2, 3);
        RefArray b = random(rnd, 3);
        RefArray last = ReferenceConv.conv(x, k, b, s(1, 2, 1), "same", s(1, 1, 1), 1, false);
        RefArray first = ReferenceConv.conv(Layouts.toChannelsFirst(x), k, b, s(1, 2, 1), "same", s(1, 1, 1), 1, true);
        assertArrayEquals(Layouts.toChannelsFirst(last).data(), first.data());
        assertArrayEquals(Layouts.toChannelsFirst(last).shape(), first.shape());
    }

    static RefArray random(Random rnd, int... shape) {
        RefArray r = RefArray.zeros(shape);
        for (int i = 0; i < r.data().length; i++) {
            r.data()[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return r;
    }

    private static double dot(RefArray p, RefArray q) {
        double sum = 0;
        for (int i = 0; i < p.data().length; i++) {
            sum += (double) p.data()[i] * q.data()[i];
        }
        return sum;
    }
}
