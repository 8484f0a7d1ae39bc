// int8 quantisation: calibration, per-channel weights, the quantised (fake-quant) model, int8
// inference on lopper's kernels, and quantisation-aware fine-tuning.

export { Calibrator, calibrate, CALIBRATION_METHODS, type CalibrateOptions, type CalibrationMethod, type CalibrationOptions, type RangeState } from './calibrate.js';
export { quantizePerChannel, dequantizePerChannel, type ChannelQuant } from './weights.js';
export { quantizeModel, quantizableNodes, withQuantization, scaleFor, type QuantizedLayer, type QuantizedModel } from './model.js';
export { int8Model, Int8Conv2d, Int8Dense } from './int8-layers.js';
export { fineTuneQuantized } from './qat.js';
