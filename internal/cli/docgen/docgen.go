// Package docgen writes ipcctl's man pages and markdown command reference
// from the cobra command tree, so the docs cannot drift from --help.
package docgen

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli"
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manDate is the date in every man page header. It is fixed, not the build
// time, so that regenerating unchanged commands gives identical files.
var manDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Generate writes man pages to dir/man and markdown to dir/reference,
// replacing what was there.
func Generate(dir string) error {
	root := cli.NewCmdRoot(cmdutil.New("dev"))
	// Cobra adds these at Execute time; the reference should show them.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	disableAutoGenTag(root)

	manDir, mdDir := filepath.Join(dir, "man"), filepath.Join(dir, "reference")
	for _, d := range []string{manDir, mdDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	header := &doc.GenManHeader{Title: "IPCCTL", Section: "1", Source: "ipcctl", Manual: "ipcctl manual", Date: &manDate}
	if err := doc.GenManTree(root, header, manDir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	if err := doc.GenMarkdownTree(root, mdDir); err != nil {
		return fmt.Errorf("markdown reference: %w", err)
	}
	return nil
}

// disableAutoGenTag drops cobra's "Auto generated ... on DATE" footer,
// which would change the files on every run.
func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}
