;; A little of every Wasm 2.0 feature and some later ones, for the round
;; trips and the mutation test: multi-value, reference types, bulk memory,
;; SIMD, sign extension, saturating conversions, tail calls and atomics.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (memory (export "memory") 1 1 shared)
  (table $funcs 4 funcref)
  (table $refs (export "refs") 2 externref)
  (global $g (mut i64) (i64.const -5))
  (elem (table $funcs) (i32.const 0) func $add $sub)
  (elem $later func $mul)
  (data (i32.const 64) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))

  ;; multi-value: a block with two results, swapped
  (func $pair (param i32) (result i32 i32)
    (block (result i32 i32) (local.get 0) (i32.const 10)))
  (func (export "multi") (param i32) (result i32)
    (call $pair (local.get 0))
    i32.sub)

  ;; call_indirect, table.init, elem.drop, table.size, table.grow
  (func (export "dispatch") (param i32) (result i32)
    (table.init $funcs $later (i32.const 2) (i32.const 0) (i32.const 1))
    (elem.drop $later)
    (drop (table.grow $funcs (ref.null func) (i32.const 1)))
    (i32.add
      (table.size $funcs)
      (call_indirect (type $binop) (i32.const 7) (i32.const 3)
        (i32.rem_u (local.get 0) (i32.const 3)))))

  ;; externref in a table
  (func (export "refs_null") (result i32)
    (table.set $refs (i32.const 1) (ref.null extern))
    (ref.is_null (table.get $refs (i32.const 1))))

  ;; bulk memory: copy and fill
  (func (export "bulk") (param i32) (result i32)
    (memory.copy (i32.const 200) (i32.const 64) (i32.const 16))
    (memory.fill (i32.const 204) (local.get 0) (i32.const 4))
    (i32.load (i32.const 204)))

  ;; SIMD: add two vectors, shuffle, extract
  (func (export "simd") (param i32) (result i32)
    (i32x4.extract_lane 2
      (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12
        (i8x16.add (v128.load (i32.const 64)) (i8x16.splat (local.get 0)))
        (v128.const i32x4 0 0 0 0))))

  ;; sign extension and saturating conversions
  (func (export "convert") (param i32) (result i32)
    (i32.add
      (i32.extend8_s (local.get 0))
      (i32.trunc_sat_f32_s (f32.mul (f32.convert_i32_s (local.get 0)) (f32.const 1e10)))))

  ;; tail calls
  (func $count (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call $count (i32.sub (local.get 0) (i32.const 1))
                                (i32.add (local.get 1) (i32.const 2))))))
  (func (export "tail") (param i32) (result i32)
    (return_call $count (i32.and (local.get 0) (i32.const 0xffff)) (i32.const 0)))

  ;; atomics on the shared memory, and a mutable i64 global
  (func (export "atomic") (param i32) (result i32)
    (drop (i32.atomic.rmw.add (i32.const 256) (local.get 0)))
    (global.set $g (i64.add (global.get $g) (i64.extend_i32_s (local.get 0))))
    (i32.add (i32.atomic.load (i32.const 256)) (i32.wrap_i64 (global.get $g)))))
