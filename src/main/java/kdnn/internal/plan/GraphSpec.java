package kdnn.internal.plan;

import java.util.List;
import kdnn.layers.Layer;

/**
 * A model as the planner sees it: a flat list of layer calls in an order where every input is
 * computed before it is read (nested models already expanded, InputLayers resolved). Values are
 * numbered: the model's inputs first ({@code 0 .. inputCount-1}), then node {@code i}'s output
 * as {@code inputCount + i}.
 *
 * @param outputs the value of each model output, in the model's order
 * @param givenMasks the layers given Keras' mask on some input at some call (whatever they do with it)
 */
public record GraphSpec(String modelName, int inputCount, List<Call> calls, int[] outputs, List<Layer> givenMasks) {
    /** One layer call: the values it reads, in call order, and how to name it in the plan. */
    public record Call(Layer layer, int[] inputs, String label) {
    }

    public int valueOf(int call) {
        return inputCount + call;
    }
}
