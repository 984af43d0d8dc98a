package procfs

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Container is what a process's cgroup path says about the container it
// runs in. A field the path does not give is "".
type Container struct {
	// Runtime is "docker", "containerd", "cri-o", "podman", "nerdctl",
	// "lxc", "nspawn" (systemd-nspawn@NAME.service) or "machine" (a
	// systemd-machined scope, machine-NAME.scope); "" when none is recognized.
	Runtime string
	ID      string // container id (usually 64 hex digits), or the machine or lxc name
	Pod     string // Kubernetes pod uid, for a path under kubepods
	Unit    string // the innermost systemd unit (.service or .scope) when no runtime is recognized
}

// String is the short form for a table cell: "docker:0123456789ab",
// "kubepods:POD-UID/0123456789ab", "nspawn:NAME", "nginx.service", or
// "-" when the path says nothing.
func (c Container) String() string {
	id := c.ID
	if isHexID(id) && len(id) > 12 {
		id = id[:12]
	}
	switch {
	case c.Pod != "" && id != "":
		return "kubepods:" + c.Pod + "/" + id
	case c.Pod != "":
		return "kubepods:" + c.Pod
	case c.Runtime != "":
		return c.Runtime + ":" + id
	case c.Unit != "":
		return c.Unit
	}
	return "-"
}

func isHexID(s string) bool {
	if len(s) < 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

const hex64 = `([0-9a-f]{64})`

// runtimePatterns recognize container runtimes in cgroup paths, with
// the systemd driver (a NAME-ID.scope unit) or the cgroupfs driver
// (plain directories). Each has one group: the container id or name.
// Compiled on first use: most runs never look at a cgroup.
var runtimePatterns = sync.OnceValue(func() []runtimePattern {
	return []runtimePattern{
		{"docker", regexp.MustCompile(`(?:^|/)docker[-/]` + hex64 + `(?:\.scope)?(?:/|$)`)},
		{"containerd", regexp.MustCompile(`(?:^|/)cri-containerd-` + hex64 + `\.scope(?:/|$)`)},
		{"cri-o", regexp.MustCompile(`(?:^|/)crio-` + hex64 + `(?:\.scope)?(?:/|$)`)},
		{"podman", regexp.MustCompile(`(?:^|/)libpod-` + hex64 + `(?:\.scope)?(?:/|$)`)},
		{"nerdctl", regexp.MustCompile(`(?:^|/)nerdctl-` + hex64 + `\.scope(?:/|$)`)},
		{"nspawn", regexp.MustCompile(`(?:^|/)systemd-nspawn@([^/]+)\.service(?:/|$)`)},
		{"machine", regexp.MustCompile(`(?:^|/)machine-([^/]+)\.scope(?:/|$)`)},
		{"lxc", regexp.MustCompile(`(?:^|/)lxc\.payload[.]([^/]+)(?:/|$)`)},
		{"lxc", regexp.MustCompile(`^/lxc/([^/]+)(?:/|$)`)},
	}
})

type runtimePattern struct {
	runtime string
	re      *regexp.Regexp
}

var (
	// kubepods-burstable-pod0f0d6f1a_2b2c_....slice or .../pod0f0d6f1a-2b2c-.../
	podPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:^|[/-])pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:/|$)`)
	})
	// the cgroupfs driver names a container's directory by its bare id
	bareID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/` + hex64 + `(?:/|$)`) })
)

// ContainerOf resolves the container of a process from its cgroup lines.
// The cgroup v2 line is read first, then name=systemd, then the other
// v1 hierarchies: the first that names a known runtime or a Kubernetes
// pod wins; failing that, the innermost systemd unit of the v2 or
// name=systemd path.
func ContainerOf(lines []CgroupLine) Container {
	ordered := make([]CgroupLine, 0, len(lines))
	for _, pass := range []func(CgroupLine) bool{
		CgroupLine.V2,
		func(l CgroupLine) bool { return !l.V2() && hasController(l, "name=systemd") },
		func(l CgroupLine) bool { return !l.V2() && !hasController(l, "name=systemd") },
	} {
		for _, l := range lines {
			if pass(l) {
				ordered = append(ordered, l)
			}
		}
	}
	for _, l := range ordered {
		if c, ok := containerOfPath(l.Path); ok {
			return c
		}
	}
	for _, l := range ordered {
		if !l.V2() && !hasController(l, "name=systemd") {
			continue
		}
		if u := innermostUnit(l.Path); u != "" {
			return Container{Unit: u}
		}
	}
	return Container{}
}

func hasController(l CgroupLine, name string) bool {
	for _, c := range l.Controllers {
		if c == name {
			return true
		}
	}
	return false
}

// containerOfPath finds the innermost runtime (nested containers: the
// last match in the path) and a Kubernetes pod.
func containerOfPath(path string) (Container, bool) {
	var c Container
	at := -1
	for _, p := range runtimePatterns() {
		// Matches may share a "/" (docker/ID/docker/ID2): search again
		// from the end of each id rather than after the whole match.
		for off := 0; off < len(path); {
			m := p.re.FindStringSubmatchIndex(path[off:])
			if m == nil {
				break
			}
			if off+m[2] > at {
				at = off + m[2]
				c.Runtime, c.ID = p.runtime, path[off+m[2]:off+m[3]]
			}
			off += m[3]
			if strings.HasPrefix(p.re.String(), "^/") {
				break // anchored at the start of the whole path
			}
		}
	}
	if m := podPattern().FindStringSubmatch(path); m != nil {
		c.Pod = strings.ReplaceAll(m[1], "_", "-")
		if c.ID == "" {
			// cgroupfs driver: .../pod<uid>/<container id>
			if ms := bareID().FindAllStringSubmatch(path, -1); ms != nil {
				c.ID = ms[len(ms)-1][1]
			}
		}
	}
	if c.Runtime == "nspawn" || c.Runtime == "machine" {
		c.ID = unescapeUnit(c.ID)
	}
	return c, c.Runtime != "" || c.Pod != ""
}

// innermostUnit returns the last .service or .scope component of a
// cgroup path (slices only group units).
func innermostUnit(path string) string {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if strings.HasSuffix(parts[i], ".service") || strings.HasSuffix(parts[i], ".scope") {
			return parts[i]
		}
	}
	return ""
}

// unescapeUnit undoes systemd's \xNN escapes in unit names (machine
// "foo-bar" is the unit machine-foo\x2dbar.scope).
func unescapeUnit(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
