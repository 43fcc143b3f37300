package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"chartroom/codes"
	"chartroom/models"
)

// codesCmd: chartroom codes import [-system S] [-year N] FILE
func codesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: chartroom codes import [-system icd10cm|icd10pcs|hcpcs] [-year 2026] [-db …] FILE")
	}
	fs := flag.NewFlagSet("codes import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	system := fs.String("system", "", "code system (default: from the file name)")
	year := fs.Int("year", 0, "fiscal year (default: from the file name)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: chartroom codes import [flags] FILE")
	}
	path := fs.Arg(0)
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "reading %s …\n", path)
	f, err := codes.ReadFile(path, fh, *system, *year)
	fh.Close()
	if err != nil {
		return fmt.Errorf("%s: %w (nothing was imported)", path, err)
	}
	fmt.Fprintf(stderr, "%s %s: %d lines valid, importing …\n", codes.SystemTitle(f.System), f.Release, len(f.Entries))
	db, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer db.Close()
	last := time.Now()
	res, err := db.ImportCodeSet(ctx, models.Actor{Email: "cli"}, models.ImportInput{System: f.System, Year: f.Year, Release: f.Release,
		Source: f.Name, Sha256: f.Sha256, Entries: f.Entries}, func(done, total int) {
		if time.Since(last) > 250*time.Millisecond || done == total {
			fmt.Fprintf(stderr, "\r  %d / %d (%d%%)", done, total, 100*done/total)
			last = time.Now()
		}
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	switch {
	case res.Same:
		fmt.Fprintf(stdout, "%s is already imported (same file); nothing changed\n", res.Set.Title())
	case res.Replaced != nil:
		fmt.Fprintf(stdout, "imported %s: %d codes (%d billable), replacing the earlier import, in %v\n", res.Set.Title(), res.Set.Codes, res.Set.Billable, time.Since(start).Round(time.Millisecond))
	default:
		fmt.Fprintf(stdout, "imported %s: %d codes (%d billable) in %v\n", res.Set.Title(), res.Set.Codes, res.Set.Billable, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
