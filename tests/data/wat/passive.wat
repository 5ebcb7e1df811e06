;; memory.init and data.drop name segments by index: with them, -Oz
;; changes no data at all (not even the active segment's zeros).
(module
  (memory (export "memory") 1)
  (data $p1 "hello\00\00\00")
  (data (i32.const 100) "active\00\00\00\00")
  (data $p2 "\00\00world")
  (func (export "init") (param i32) (result i32)
    (memory.init $p1 (local.get 0) (i32.const 0) (i32.const 5))
    (memory.init $p2 (i32.add (local.get 0) (i32.const 8)) (i32.const 0) (i32.const 7))
    (data.drop $p1)
    (i32.load8_u (i32.add (local.get 0) (i32.const 10)))))
