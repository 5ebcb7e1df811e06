;; Legacy exception handling: try, catch, catch_all, rethrow and delegate
;; (which ends a try without an end) survive re-encoding.
(module
  (tag $e (param i32))
  (func $thrower (param i32)
    (if (local.get 0) (then (throw $e (local.get 0)))))
  (func (export "caught") (param i32) (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (call $thrower (local.get 0)) (i32.const 1))
          (delegate 0)))
      (catch $e (i32.add (i32.const 100)))))
  (func (export "all") (param i32) (result i32)
    (try (result i32)
      (do (call $thrower (local.get 0)) (i32.const 2))
      (catch_all (i32.const 3)))))
