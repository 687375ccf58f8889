/**
 * Models: graphs of layer calls as Keras builds them. {@link kdnn.model.Sequential} and
 * {@link kdnn.model.Functional} (from {@link kdnn.model.KerasTensor}s), nested models and shared
 * layers; {@link kdnn.model.Model#predict} runs a plan made once per input shape, with fusion
 * (padding, batch normalization, activations and residual sums folded into convolutions) and
 * buffers reused across predictions; {@link kdnn.model.Model#summary} prints Keras' table.
 */
package kdnn.model;
