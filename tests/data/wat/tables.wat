;; -Oz removes tables nothing uses, the element segments that only fill
;; them (and the functions only those name), and passive element and data
;; segments no instruction names; the rest are renumbered.
(module
  (type $i (func (result i32)))
  (memory (export "memory") 1)
  ;; dead: nothing reads the table, and the segment fits it
  (table $dead 8 funcref)
  (elem (table $dead) (i32.const 2) func $only_in_dead $also_in_dead)
  ;; live: call_indirect and table.init name it
  (table $calls 4 funcref)
  (elem (table $calls) (i32.const 0) func $one $two)
  (elem $later func $three)
  (elem $never func $only_in_dead)
  (data $unused "never copied")
  (data $used "copied")
  (data (i32.const 64) "active")

  (func $only_in_dead (result i32) (i32.const 100))
  (func $also_in_dead (result i32) (i32.const 200))
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))

  (func (export "call") (param i32) (result i32)
    (call_indirect $calls (type $i) (local.get 0)))
  (func (export "fill") (param i32) (result i32)
    (table.init $calls $later (i32.const 2) (i32.const 0) (i32.const 1))
    (elem.drop $later)
    (call_indirect $calls (type $i) (i32.const 2)))
  (func (export "copy") (param i32) (result i32)
    (memory.init $used (i32.const 128) (i32.const 0) (i32.const 6))
    (i32.load8_u (i32.add (i32.const 128) (local.get 0)))))
