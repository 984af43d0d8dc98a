package procfs

import (
	"reflect"
	"testing"
)

const (
	cid  = "3f1e9c1b6f2a4d5e8b7c6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d"
	cid2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pod  = "0f0d6f1a-2b2c-4d3e-9f8a-123456789abc"
	podU = "0f0d6f1a_2b2c_4d3e_9f8a_123456789abc"
)

// Real-world /proc/PID/cgroup contents, as the runtimes lay them out with
// the systemd and the cgroupfs drivers, on cgroup v1, v2 and hybrid hosts.
func TestContainerOf(t *testing.T) {
	tests := []struct {
		name   string
		cgroup string
		want   Container
		str    string
	}{
		{"docker v2 systemd driver", "0::/system.slice/docker-" + cid + ".scope\n",
			Container{Runtime: "docker", ID: cid}, "docker:3f1e9c1b6f2a"},
		{"docker v1 cgroupfs driver",
			"12:memory:/docker/" + cid + "\n11:pids:/docker/" + cid + "\n1:name=systemd:/docker/" + cid + "\n",
			Container{Runtime: "docker", ID: cid}, "docker:3f1e9c1b6f2a"},
		{"docker in docker: the inner container", "0::/docker/" + cid + "/docker/" + cid2 + "\n",
			Container{Runtime: "docker", ID: cid2}, "docker:0123456789ab"},
		{"rootless docker", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" + cid + ".scope\n",
			Container{Runtime: "docker", ID: cid}, "docker:3f1e9c1b6f2a"},
		{"kubernetes systemd driver, containerd",
			"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podU + ".slice/cri-containerd-" + cid + ".scope\n",
			Container{Runtime: "containerd", ID: cid, Pod: pod}, "kubepods:" + pod + "/3f1e9c1b6f2a"},
		{"kubernetes cgroupfs driver",
			"11:memory:/kubepods/burstable/pod" + pod + "/" + cid + "\n0::/\n",
			Container{ID: cid, Pod: pod}, "kubepods:" + pod + "/3f1e9c1b6f2a"},
		{"kubernetes guaranteed QoS, cgroupfs", "0::/kubepods/pod" + pod + "/" + cid2 + "\n",
			Container{ID: cid2, Pod: pod}, "kubepods:" + pod + "/0123456789ab"},
		{"kubernetes cri-o",
			"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + podU + ".slice/crio-" + cid + ".scope\n",
			Container{Runtime: "cri-o", ID: cid, Pod: pod}, "kubepods:" + pod + "/3f1e9c1b6f2a"},
		{"kind: kubelet inside a node container",
			"0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + podU + ".slice/cri-containerd-" + cid + ".scope\n",
			Container{Runtime: "containerd", ID: cid, Pod: pod}, "kubepods:" + pod + "/3f1e9c1b6f2a"},
		{"kubernetes with dockershim", "0::/kubepods.slice/kubepods-pod" + podU + ".slice/docker-" + cid + ".scope\n",
			Container{Runtime: "docker", ID: cid, Pod: pod}, "kubepods:" + pod + "/3f1e9c1b6f2a"},
		{"pod slice of a conmon: the pod only",
			"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podU + ".slice/crio-conmon-" + cid + ".scope\n",
			Container{Pod: pod}, "kubepods:" + pod},
		{"podman rootful", "0::/machine.slice/libpod-" + cid + ".scope\n",
			Container{Runtime: "podman", ID: cid}, "podman:3f1e9c1b6f2a"},
		{"podman with systemd inside", "0::/machine.slice/libpod-" + cid + ".scope/container/system.slice/httpd.service\n",
			Container{Runtime: "podman", ID: cid}, "podman:3f1e9c1b6f2a"},
		{"podman in a pod", "0::/machine.slice/machine-libpod_pod_" + cid2 + ".slice/libpod-" + cid + ".scope\n",
			Container{Runtime: "podman", ID: cid}, "podman:3f1e9c1b6f2a"},
		{"podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + cid + ".scope\n",
			Container{Runtime: "podman", ID: cid}, "podman:3f1e9c1b6f2a"},
		{"podman cgroupfs", "0::/libpod_parent/libpod-" + cid + "\n",
			Container{Runtime: "podman", ID: cid}, "podman:3f1e9c1b6f2a"},
		{"podman conmon is no container", "0::/machine.slice/libpod-conmon-" + cid + ".scope\n",
			Container{Unit: "libpod-conmon-" + cid + ".scope"}, "libpod-conmon-" + cid + ".scope"},
		{"nerdctl", "0::/system.slice/nerdctl-" + cid + ".scope\n",
			Container{Runtime: "nerdctl", ID: cid}, "nerdctl:3f1e9c1b6f2a"},
		{"systemd-nspawn service", "0::/machine.slice/systemd-nspawn@debian.service/payload/system.slice/cron.service\n",
			Container{Runtime: "nspawn", ID: "debian"}, "nspawn:debian"},
		{"machined scope, escaped name", "0::/machine.slice/machine-my\\x2dbox.scope/payload\n",
			Container{Runtime: "machine", ID: "my-box"}, "machine:my-box"},
		{"lxc 4 payload", "0::/lxc.payload.web1/system.slice/nginx.service\n",
			Container{Runtime: "lxc", ID: "web1"}, "lxc:web1"},
		{"old lxc", "4:memory:/lxc/web1\n1:name=systemd:/lxc/web1/init.scope\n",
			Container{Runtime: "lxc", ID: "web1"}, "lxc:web1"},
		{"lxc path in the middle is not old lxc", "0::/system.slice/x.service/lxc/web1\n",
			Container{Unit: "x.service"}, "x.service"},
		{"lxc monitor is no container", "0::/lxc.monitor.web1\n", Container{}, "-"},
		{"plain systemd service", "0::/system.slice/nginx.service\n",
			Container{Unit: "nginx.service"}, "nginx.service"},
		{"user session", "0::/user.slice/user-1000.slice/session-3.scope\n",
			Container{Unit: "session-3.scope"}, "session-3.scope"},
		{"user service", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope\n",
			Container{Unit: "app-gnome-firefox-4242.scope"}, "app-gnome-firefox-4242.scope"},
		{"init", "0::/init.scope\n", Container{Unit: "init.scope"}, "init.scope"},
		{"hybrid host: unit from name=systemd",
			"12:memory:/system.slice/postgresql.service\n1:name=systemd:/system.slice/postgresql.service\n0::/\n",
			Container{Unit: "postgresql.service"}, "postgresql.service"},
		{"hybrid host: v1 memory path of an unknown manager, root elsewhere",
			"9:name=systemd:/\n4:memory:/process_api/07d5fae9d9917173d06abdccb228272d\n0::/\n",
			Container{}, "-"},
		{"root cgroup", "0::/\n", Container{}, "-"},
		{"empty file", "", Container{}, "-"},
		{"a slice only", "0::/system.slice\n", Container{}, "-"},
		{"a 64-hex directory outside kubepods is no container", "0::/custom/" + cid + "\n", Container{}, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := ParseCgroup("cgroup", []byte(tt.cgroup))
			if err != nil {
				t.Fatal(err)
			}
			got := ContainerOf(lines)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ContainerOf = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String = %q, want %q", s, tt.str)
			}
		})
	}
}

func TestParseCgroup(t *testing.T) {
	got, err := ParseCgroup("f", []byte("12:cpu,cpuacct:/a:b\n0::/\n\n1:name=systemd:/init.scope\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []CgroupLine{
		{Hierarchy: 12, Controllers: []string{"cpu", "cpuacct"}, Path: "/a:b"},
		{Hierarchy: 0, Path: "/"},
		{Hierarchy: 1, Controllers: []string{"name=systemd"}, Path: "/init.scope"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if !got[1].V2() || got[0].V2() {
		t.Error("V2 wrong")
	}
	for _, bad := range []string{"x::/\n", "0:/\n", "-1::/\n", "nocolon\n"} {
		if _, err := ParseCgroup("f", []byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		} else {
			checkErr(t, err)
		}
	}
}

func TestParseNamespaceLink(t *testing.T) {
	tests := []struct {
		typ, link string
		want      uint64
		ok        bool
	}{
		{"ipc", "ipc:[4026531839]", 4026531839, true},
		{"mnt", "mnt:[4026531832]", 4026531832, true},
		{"ipc", "mnt:[4026531832]", 0, false},
		{"ipc", "ipc:[]", 0, false},
		{"ipc", "ipc:[0]", 0, false},
		{"ipc", "ipc:[12", 0, false},
		{"ipc", "ipc:[-1]", 0, false},
		{"ipc", "", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseNamespaceLink("proc/1/ns/"+tt.typ, tt.typ, tt.link)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseNamespaceLink(%q, %q) = %d, %v", tt.typ, tt.link, got, err)
		}
		if err != nil {
			checkErr(t, err)
		}
	}
}
