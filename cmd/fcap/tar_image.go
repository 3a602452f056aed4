package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"fcap/host"
	"fcap/ocicap"
)

func tarImageCommand() *cli.Command {
	return &cli.Command{
		Name:      "image",
		Usage:     "give the files of an image in an OCI layout the capabilities a manifest lists",
		ArgsUsage: "MANIFEST LAYOUT[:REF]",
		Description: "LAYOUT is an OCI image layout directory, as 'skopeo copy ... oci:LAYOUT:REF'\n" +
			"and umoci write it; REF is the image's name in it (org.opencontainers.image.ref.name),\n" +
			"which may be left out when the layout holds one image. Each file is changed in\n" +
			"the layer that holds it (the topmost one, following whiteouts): that layer is\n" +
			"rewritten byte for byte except the file's PAX header, and the image gets new\n" +
			"digests, sizes and diff_ids and a history entry saying what was done. No\n" +
			"layer is added, so no file is stored twice. Every layer read is checked\n" +
			"against its digest and diff_id; index.json is replaced last, through a\n" +
			"rename, and the blobs only the old image used are then removed. A manifest\n" +
			"path in no layer (or deleted by a whiteout above) is an error and nothing\n" +
			"is written. With --check nothing is written: 'layer N: PATH: has X, want Y'\n" +
			"is printed for each difference and the exit status is 1 if there is one.",
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "check", Usage: "write nothing; print the differences and exit 1 if there is one"}, rootIDFlag, quietFlag},
		Action: runTarImage,
	}
}

func runTarImage(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("tar image", "want MANIFEST LAYOUT[:REF], got %d arguments", c.NArg())
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	plan, err := readTarPlan(c, c.Args().Get(0), last)
	if err != nil {
		return err
	}
	dir, ref := ocicap.SplitRef(c.Args().Get(1))
	check, quiet := c.Bool("check"), c.Bool("quiet")
	// The history names the manifest by its base name: the image does
	// not need to know this machine's paths.
	opt := ocicap.Options{Check: check, CreatedBy: "fcap tar image " + filepath.Base(c.Args().Get(0))}
	var lines []string
	res, err := ocicap.Apply(dir, ref, plan, opt, func(ch ocicap.Change) {
		line := changeLine(ch.Change, last)
		if check {
			line = driftLine(ch.Change, last)
		}
		lines = append(lines, fmt.Sprintf("layer %d: %s", ch.Layer, line))
	})
	if err != nil {
		printTarError(c, err)
		return errFailed
	}
	if res.New != res.Old {
		lines = append(lines, fmt.Sprintf("image %s: %s (was %s)", c.Args().Get(1), res.New, res.Old))
	}
	if !quiet || check {
		for _, l := range lines {
			fmt.Fprintln(c.App.Writer, l)
		}
	}
	return outcome(check && len(res.Layers) > 0, false)
}
