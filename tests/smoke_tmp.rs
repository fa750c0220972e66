use baton::*;
use std::time::{Duration, Instant};

#[test]
fn smoke() {
    let t0 = Instant::now();
    let mut lp = EventLoop::new().unwrap();
    let r = lp.run_until_complete(async {
        let a = spawn(async {
            sleep(Duration::from_millis(100)).await;
            1
        });
        let b = spawn(async {
            sleep(Duration::from_millis(100)).await;
            2
        });
        let c = spawn(sleep(Duration::from_secs(60)));
        assert!(c.cancel());
        assert!(matches!(c.await, Err(TaskError::Cancelled)));
        let p = spawn(async { panic!("boom") });
        assert!(matches!(p.await, Err(TaskError::Panicked(_))));
        a.await.unwrap() + b.await.unwrap()
    });
    assert_eq!(r, 3);
    let e = t0.elapsed();
    assert!(
        e >= Duration::from_millis(100) && e < Duration::from_millis(200),
        "{e:?}"
    );
    let mut lp = EventLoop::builder().paused_clock().build().unwrap();
    let t0 = Instant::now();
    let s = lp.time();
    lp.run_until_complete(sleep(Duration::from_secs(3600)));
    assert_eq!(lp.time() - s, Duration::from_secs(3600));
    assert!(t0.elapsed() < Duration::from_secs(1));
}
