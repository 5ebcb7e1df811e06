;; -Oz rewrites active data segments of a memory defined here: a small gap
;; is filled (one segment header costs more), a large gap stays, leading
;; and trailing zeros go, an all-zero segment disappears, a segment is split
;; where a run of zeros costs more than a header.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "abc")
  (data (i32.const 21) "def")
  (data (i32.const 1000) "\00\00xyz\00\00\00\00")
  (data (i32.const 4000) "\00\00\00\00")
  (data (i32.const 5000) "tail\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 8000) "head\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00body\00\00\00x")
  (data (i32.const 65530) "end\00\00\00")
  ;; a checksum of the first 64 KiB
  (func (export "checksum") (result i32)
    (local $i i32) (local $sum i32)
    (loop $next
      (local.set $sum
        (i32.add (i32.mul (local.get $sum) (i32.const 31))
                 (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 65536))))
    (local.get $sum))
  (func (export "byte") (param i32) (result i32)
    (i32.load8_u (local.get 0))))
