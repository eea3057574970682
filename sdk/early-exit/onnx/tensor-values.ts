/**
 * Reading the numbers stored in an ONNX TensorProto (initializers, Constant values). Needed for
 * shape inference, where shapes, axes, scales and sizes are small constant tensors.
 */
import { onnx, toNumber, type pb } from './onnx-proto.js';

/** The tensor's shape. */
export function tensorDims(tensor: pb.ITensorProto): number[] {
  return (tensor.dims ?? []).map(toNumber);
}

/**
 * The tensor's values as numbers, or undefined for types and storage this reader does not handle
 * (strings, external data). int64 values beyond 2^53 lose precision, which does not matter for
 * shapes (ONNX uses INT64_MAX as "to the end" in Slice; it stays larger than any real dimension).
 */
export function tensorValues(tensor: pb.ITensorProto): number[] | undefined {
  // Looked up here, not at import: the protobuf package loads on first use (see onnx-proto.ts).
  const T = onnx.TensorProto.DataType;
  const type = tensor.dataType ?? 0;
  const raw = tensor.rawData;
  if (raw && raw.length) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read = (size: number, get: (offset: number) => number): number[] => {
      const out: number[] = [];
      for (let offset = 0; offset + size <= raw.byteLength; offset += size) out.push(get(offset));
      return out;
    };
    switch (type) {
      case T.FLOAT:
        return read(4, (o) => view.getFloat32(o, true));
      case T.DOUBLE:
        return read(8, (o) => view.getFloat64(o, true));
      case T.INT64:
        return read(8, (o) => Number(view.getBigInt64(o, true)));
      case T.UINT64:
        return read(8, (o) => Number(view.getBigUint64(o, true)));
      case T.INT32:
        return read(4, (o) => view.getInt32(o, true));
      case T.UINT32:
        return read(4, (o) => view.getUint32(o, true));
      case T.INT16:
        return read(2, (o) => view.getInt16(o, true));
      case T.UINT16:
        return read(2, (o) => view.getUint16(o, true));
      case T.INT8:
        return read(1, (o) => view.getInt8(o));
      case T.UINT8:
      case T.BOOL:
        return read(1, (o) => view.getUint8(o));
      default:
        return undefined;
    }
  }
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return undefined;
  switch (type) {
    case T.FLOAT:
      return [...(tensor.floatData ?? [])];
    case T.DOUBLE:
      return [...(tensor.doubleData ?? [])];
    case T.INT64:
      return (tensor.int64Data ?? []).map(toNumber);
    case T.UINT64:
      return (tensor.uint64Data ?? []).map(toNumber);
    case T.INT32:
    case T.INT16:
    case T.INT8:
    case T.UINT16:
    case T.UINT8:
    case T.BOOL:
      return [...(tensor.int32Data ?? [])];
    default:
      return undefined;
  }
}
