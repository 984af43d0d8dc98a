package ipc

// slab hands out pointers to values kept in chunks that are never moved
// or overwritten: one allocation a chunk, not one a value, and callers
// may keep copies of what points into it.
type slab[T any] struct{ chunk []T }

func (s *slab[T]) put(v T) *T {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]T, 0, 512)
	}
	s.chunk = append(s.chunk, v)
	return &s.chunk[len(s.chunk)-1]
}
