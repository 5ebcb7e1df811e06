;; -Oz merges functions that differ only in i32 and i64 constants: one shared
;; function takes those constants as extra parameters (its own locals move up
;; to make room) and each original becomes a thunk passing its values, under
;; its old index, so the exported one and the table entries still work.
(module
  (memory (export "memory") 1)
  (type $bin (func (param i32 i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $mix_b $wide_b)
  (global $g (export "g") (mut i32) (i32.const 0))

  ;; alike but for two i32 constants (31 and 17); locals after the params
  (func $mix_a (param i32 i32) (result i32) (local i32 i64)
    (local.set 2 (i32.mul (local.get 0) (i32.const 31)))
    (local.set 3 (i64.extend_i32_u (local.get 1)))
    (block
      (loop
        (br_if 1 (i32.ge_u (local.get 2) (i32.const 1000)))
        (local.set 2 (i32.add (local.get 2) (i32.add (local.get 1) (i32.const 17))))
        (local.set 3 (i64.mul (local.get 3) (i64.const 3)))
        (br 0)))
    (i32.store (i32.const 64) (local.get 2))
    (global.set $g (i32.add (global.get $g) (i32.wrap_i64 (local.get 3))))
    (i32.xor (local.get 2) (i32.wrap_i64 (local.get 3))))
  (func $mix_b (param i32 i32) (result i32) (local i32 i64)
    (local.set 2 (i32.mul (local.get 0) (i32.const -77)))
    (local.set 3 (i64.extend_i32_u (local.get 1)))
    (block
      (loop
        (br_if 1 (i32.ge_u (local.get 2) (i32.const 1000)))
        (local.set 2 (i32.add (local.get 2) (i32.add (local.get 1) (i32.const 100000))))
        (local.set 3 (i64.mul (local.get 3) (i64.const 3)))
        (br 0)))
    (i32.store (i32.const 64) (local.get 2))
    (global.set $g (i32.add (global.get $g) (i32.wrap_i64 (local.get 3))))
    (i32.xor (local.get 2) (i32.wrap_i64 (local.get 3))))
  (func $mix_c (export "mix_c") (param i32 i32) (result i32) (local i32 i64)
    (local.set 2 (i32.mul (local.get 0) (i32.const 5)))
    (local.set 3 (i64.extend_i32_u (local.get 1)))
    (block
      (loop
        (br_if 1 (i32.ge_u (local.get 2) (i32.const 1000)))
        (local.set 2 (i32.add (local.get 2) (i32.add (local.get 1) (i32.const 17))))
        (local.set 3 (i64.mul (local.get 3) (i64.const 3)))
        (br 0)))
    (i32.store (i32.const 64) (local.get 2))
    (global.set $g (i32.add (global.get $g) (i32.wrap_i64 (local.get 3))))
    (i32.xor (local.get 2) (i32.wrap_i64 (local.get 3))))

  ;; alike but for i64 constants, one of them needing the full 10 bytes
  (func $wide_a (param i32 i32) (result i32) (local i64)
    (local.set 2 (i64.mul (i64.extend_i32_s (local.get 0)) (i64.const 0x123456789)))
    (local.set 2 (i64.add (local.get 2) (i64.extend_i32_s (local.get 1))))
    (local.set 2 (i64.rotl (local.get 2) (i64.const 13)))
    (i64.store (i32.const 128) (local.get 2))
    (i32.wrap_i64 (i64.shr_u (local.get 2) (i64.const 7))))
  (func $wide_b (param i32 i32) (result i32) (local i64)
    (local.set 2 (i64.mul (i64.extend_i32_s (local.get 0)) (i64.const -0x7fffffffffffffff)))
    (local.set 2 (i64.add (local.get 2) (i64.extend_i32_s (local.get 1))))
    (local.set 2 (i64.rotl (local.get 2) (i64.const 13)))
    (i64.store (i32.const 128) (local.get 2))
    (i32.wrap_i64 (i64.shr_u (local.get 2) (i64.const 7))))

  ;; recursive: $rec_b's body is $rec_a's with 5 for 3, and calls $rec_a
  (func $rec_a (param i32) (result i32)
    (if (result i32) (i32.le_s (local.get 0) (i32.const 0))
      (then (i32.const 1))
      (else
        (i32.xor
          (i32.add
            (i32.mul (local.get 0) (i32.const 3))
            (call $rec_a (i32.sub (local.get 0) (i32.const 1))))
          (i32.xor (i32.const 0x5a5a5a5a)
            (i32.xor (i32.const 0x3c3c3c3c) (i32.const 0x0f0f0f0f)))))))
  (func $rec_b (param i32) (result i32)
    (if (result i32) (i32.le_s (local.get 0) (i32.const 0))
      (then (i32.const 1))
      (else
        (i32.xor
          (i32.add
            (i32.mul (local.get 0) (i32.const 5))
            (call $rec_a (i32.sub (local.get 0) (i32.const 1))))
          (i32.xor (i32.const 0x5a5a5a5a)
            (i32.xor (i32.const 0x3c3c3c3c) (i32.const 0x0f0f0f0f)))))))

  ;; seven constants differ: more than a shared function takes, left alone
  (func $many_a (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 1))
      (i32.add (i32.const 2)
        (i32.add (i32.const 3)
          (i32.add (i32.const 4)
            (i32.add (i32.const 5)
              (i32.add (i32.const 6) (i32.const 7))))))))
  (func $many_b (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 11))
      (i32.add (i32.const 12)
        (i32.add (i32.const 13)
          (i32.add (i32.const 14)
            (i32.add (i32.const 15)
              (i32.add (i32.const 16) (i32.const 17))))))))

  (func (export "mix") (param i32 i32) (result i32)
    (i32.add
      (i32.add (call $mix_a (local.get 0) (local.get 1))
               (call $mix_b (local.get 0) (local.get 1)))
      (i32.add (call $mix_c (local.get 0) (local.get 1))
               (call_indirect (type $bin) (local.get 0) (local.get 1) (i32.const 0)))))
  (func (export "wide") (param i32 i32) (result i32)
    (i32.add (call $wide_a (local.get 0) (local.get 1))
             (call_indirect (type $bin) (local.get 0) (local.get 1) (i32.const 1))))
  (func (export "rec") (param i32) (result i32)
    (i32.add (call $rec_a (i32.and (local.get 0) (i32.const 15)))
             (call $rec_b (i32.and (local.get 0) (i32.const 15)))))
  (func (export "many") (param i32) (result i32)
    (i32.add (call $many_a (local.get 0)) (call $many_b (local.get 0)))))
