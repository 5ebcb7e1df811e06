;; -Oz merges byte-identical functions that are not exported: $a and $b
;; (called directly) and $c (in the table) become one; $triple, exported,
;; keeps its identity although its body is the same.
(module
  (table (export "table") 3 funcref)
  (elem (i32.const 0) $c $other $b)
  (type $unop (func (param i32) (result i32)))
  (func $a (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func $b (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func $c (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func $other (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 3)))
  (func $triple (export "triple") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func (export "main") (param i32) (result i32)
    (i32.add
      (i32.add (call $a (local.get 0)) (call $b (local.get 0)))
      (i32.add
        (call_indirect (type $unop) (local.get 0) (i32.const 0))
        (call_indirect (type $unop) (local.get 0) (i32.const 1)))))
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (type $unop) (i32.const 7) (local.get 0))))
