// Internal: a validated, flattened view of one TFLite subgraph (tensors, operators, constant data),
// read with engine/flatbuffer.h. The typed networks (transfer, style) are built from it by
// following the graph; nothing here interprets ops. Constant data points into the file's bytes,
// which must outlive the Model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/flatbuffer.h"
#include "engine/status.h"

namespace pastiche::tflite {

// schema.fbs TensorType
enum TensorType : int { kFloat32 = 0, kFloat16 = 1, kInt32 = 2, kUInt8 = 3, kInt64 = 4, kInt8 = 9 };

// schema.fbs BuiltinOperator (the ones the Magenta models use)
enum BuiltinOp : int {
    kAdd = 0,
    kConv2D = 3,
    kDepthwiseConv2D = 4,
    kDequantize = 6,
    kLogistic = 14,
    kMul = 18,
    kMean = 40,
    kSub = 41,
    kRsqrt = 76,
    kResizeNearestNeighbor = 97,
    kSquaredDifference = 99,
    kMirrorPad = 100,
    kQuantize = 114,
};

// schema.fbs BuiltinOptions union member indices
enum OptionsType : int {
    kConv2DOptions = 1,
    kDepthwiseConv2DOptions = 2,
    kAddOptions = 11,
    kMulOptions = 21,
    kReducerOptions = 27,
    kSubOptions = 28,
    kResizeNearestNeighborOptions = 74,
    kMirrorPadOptions = 77,
};

// schema.fbs ActivationFunctionType
enum FusedActivation : int { kActNone = 0, kActRelu = 1, kActReluN1To1 = 2, kActRelu6 = 3 };

const char* opName(int code);
const char* typeName(int type);
int typeSize(int type);  // bytes per element; 0 if unknown

struct Tensor {
    std::string name;
    std::vector<int> shape;
    int type = -1;
    size_t elements = 0;           // product of shape (1 for a scalar)
    const uint8_t* data = nullptr; // constant data (exactly elements * typeSize bytes), or null
    std::vector<float> scales;     // quantization
    std::vector<int64_t> zeroPoints;
    int quantizedDimension = 0;
};

struct Operator {
    int code = -1;  // BuiltinOperator; -1 for custom ops
    std::string customCode;
    std::vector<int> inputs;   // -1 = optional input absent
    std::vector<int> outputs;
    int optionsType = 0;
    fb::Table options;  // invalid when absent
};

struct Model {
    std::string file;  // for messages
    std::vector<Tensor> tensors;
    std::vector<Operator> ops;
    std::vector<int> inputs, outputs;
    std::vector<int> producer;                // per tensor: op index, or -1
    std::vector<std::vector<int>> consumers;  // per tensor: op indices in order

    // "tensor 88 'name'"
    std::string describe(int tensor) const;
    // "op 12 (CONV_2D -> 'name')"
    std::string describeOp(int op) const;
    Status error(const std::string& what) const { return Status::error(file + ": " + what); }
};

// Parses and validates the first subgraph: indices in range, shapes sane, buffer sizes matching
// shapes and types, producers unique.
Result<Model> parseModel(const uint8_t* data, size_t size, const std::string& file);

// Constant float values of a tensor: float32 data, or float16 data (converted), or the output of
// a DEQUANTIZE of a float16 constant (the fp16 weights of the transfer network).
Result<std::vector<float>> constFloats(const Model& m, int tensor);
// Constant int32/int64 values (paddings, axes, sizes), converted to int64.
Result<std::vector<int64_t>> constInts(const Model& m, int tensor);

float halfToFloat(uint16_t h);

}  // namespace pastiche::tflite
