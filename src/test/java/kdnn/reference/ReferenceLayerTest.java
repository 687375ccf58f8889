package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Config forms Keras accepts must all mean the same layer. */
class ReferenceLayerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode layer(String json) {
        try {
            return MAPPER.readTree(json.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private final Random rnd = new Random(11);
    private final RefArray x = ReferenceConvTest.random(rnd, 1, 6, 5, 2);
    private final RefArray kernel = ReferenceConvTest.random(rnd, 3, 3, 2, 4);
    private final RefArray bias = ReferenceConvTest.random(rnd, 4);

    @Test
    void conv2dConfigFormsAgree() {
        RefArray canonical = ReferenceLayer.run(layer("{'class_name':'Conv2D','config':{'filters':4,'kernel_size':[3,3],"
                + "'strides':[2,2],'padding':'same','data_format':'channels_last','dilation_rate':[1,1],"
                + "'activation':'linear','use_bias':true}}"), x, List.of(kernel, bias));
        // ints for tuples, upper-case padding, null data_format, no activation/use_bias/dilation
        RefArray loose = ReferenceLayer.run(layer("{'class_name':'Conv2D','config':{'filters':4,'kernel_size':3,"
                + "'strides':2,'padding':'SAME','data_format':null}}"), x, List.of(kernel, bias));
        assertArrayEquals(canonical.shape(), loose.shape());
        assertArrayEquals(canonical.data(), loose.data());
    }

    @Test
    void useBiasDefaultsToTrue() {
        JsonNode conv = layer("{'class_name':'Conv2D','config':{'filters':4,'kernel_size':3}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceLayer.run(conv, x, List.of(kernel)));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
    }

    @Test
    void paddingFormsAgree() {
        RefArray in = ReferenceConvTest.random(rnd, 1, 2, 3, 1);
        RefArray pairs = ReferenceLayer.run(layer("{'class_name':'ZeroPadding2D','config':{'padding':[[1,1],[2,2]]}}"), in, List.of());
        RefArray ints = ReferenceLayer.run(layer("{'class_name':'ZeroPadding2D','config':{'padding':[1,2]}}"), in, List.of());
        assertArrayEquals(pairs.data(), ints.data());
        RefArray one = ReferenceLayer.run(layer("{'class_name':'ZeroPadding2D','config':{'padding':1}}"), in, List.of());
        assertArrayEquals(new int[] {1, 4, 5, 1}, one.shape());
    }

    @Test
    void oneDPairIsBeforeAndAfter() {
        RefArray in = new RefArray(new int[] {1, 5, 1}, new float[] {1, 2, 3, 4, 5});
        RefArray y = ReferenceLayer.run(layer("{'class_name':'Cropping1D','config':{'cropping':[1,2]}}"), in, List.of());
        assertArrayEquals(new float[] {2, 3}, y.data());
    }

    @Test
    void upSamplingSizeIntOrList() {
        RefArray in = ReferenceConvTest.random(rnd, 1, 2, 2, 2, 1);
        RefArray a = ReferenceLayer.run(layer("{'class_name':'UpSampling3D','config':{'size':2}}"), in, List.of());
        RefArray b = ReferenceLayer.run(layer("{'class_name':'UpSampling3D','config':{'size':[2,2,2]}}"), in, List.of());
        assertArrayEquals(a.data(), b.data());
        assertArrayEquals(new int[] {1, 4, 4, 4, 1}, a.shape());
    }

    @Test
    void conv2dTransposeOutputPadding() {
        RefArray in = ReferenceConvTest.random(rnd, 1, 3, 3, 2);
        RefArray k = ReferenceConvTest.random(rnd, 3, 3, 4, 2);
        JsonNode base = layer("{'class_name':'Conv2DTranspose','config':{'filters':4,'kernel_size':3,'strides':2,"
                + "'padding':'valid','output_padding':null,'use_bias':false}}");
        assertArrayEquals(new int[] {1, 7, 7, 4}, ReferenceLayer.run(base, in, List.of(k)).shape());
        JsonNode padded = layer("{'class_name':'Conv2DTranspose','config':{'filters':4,'kernel_size':3,'strides':2,"
                + "'padding':'valid','output_padding':[1,0],'use_bias':false}}");
        assertArrayEquals(new int[] {1, 8, 7, 4}, ReferenceLayer.run(padded, in, List.of(k)).shape());
        JsonNode tooMuch = layer("{'class_name':'Conv2DTranspose','config':{'filters':4,'kernel_size':3,'strides':2,"
                + "'padding':'valid','output_padding':2,'use_bias':false}}");
        assertThrows(IllegalArgumentException.class, () -> ReferenceLayer.run(tooMuch, in, List.of(k)));
    }

    @Test
    void separableDepthMultiplierDefaultsToOne() {
        RefArray dw = ReferenceConvTest.random(rnd, 3, 3, 2, 1);
        RefArray pw = ReferenceConvTest.random(rnd, 1, 1, 2, 3);
        RefArray b = ReferenceConvTest.random(rnd, 3);
        RefArray y = ReferenceLayer.run(layer("{'class_name':'SeparableConv2D','config':{'filters':3,'kernel_size':3}}"),
                x, List.of(dw, pw, b));
        assertArrayEquals(new int[] {1, 4, 3, 3}, y.shape());
    }

    @Test
    void unknownClassIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceLayer.run(layer("{'class_name':'Dense','config':{}}"), x, List.of()));
        assertTrue(e.getMessage().contains("Dense"), e.getMessage());
    }
}
