// The pod sandbox "pause" program of the k8sclaw images: it holds the pod's namespaces open by
// blocking forever, reaps zombie children (it is PID 1 of the pod's PID namespace), and exits 0
// on SIGTERM/SIGINT. Built static from source so no upstream pause image is ever pulled.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
