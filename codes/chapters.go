package codes

import "strings"

// Chapter is an ICD-10-CM chapter and its code range.
type Chapter struct {
	Number int
	Title  string
	From   string // first category
	To     string // last category
}

// Chapters of ICD-10-CM FY2026, as the Official Guidelines list them.
var Chapters = []Chapter{
	{1, "Certain infectious and parasitic diseases", "A00", "B99"},
	{2, "Neoplasms", "C00", "D49"},
	{3, "Diseases of the blood and blood-forming organs and certain disorders involving the immune mechanism", "D50", "D89"},
	{4, "Endocrine, nutritional and metabolic diseases", "E00", "E89"},
	{5, "Mental, behavioral and neurodevelopmental disorders", "F01", "F99"},
	{6, "Diseases of the nervous system", "G00", "G99"},
	{7, "Diseases of the eye and adnexa", "H00", "H59"},
	{8, "Diseases of the ear and mastoid process", "H60", "H95"},
	{9, "Diseases of the circulatory system", "I00", "I99"},
	{10, "Diseases of the respiratory system", "J00", "J99"},
	{11, "Diseases of the digestive system", "K00", "K95"},
	{12, "Diseases of the skin and subcutaneous tissue", "L00", "L99"},
	{13, "Diseases of the musculoskeletal system and connective tissue", "M00", "M99"},
	{14, "Diseases of the genitourinary system", "N00", "N99"},
	{15, "Pregnancy, childbirth and the puerperium", "O00", "O9A"},
	{16, "Certain conditions originating in the perinatal period", "P00", "P96"},
	{17, "Congenital malformations, deformations and chromosomal abnormalities", "Q00", "QA1"},
	{18, "Symptoms, signs and abnormal clinical and laboratory findings, not elsewhere classified", "R00", "R99"},
	{19, "Injury, poisoning and certain other consequences of external causes", "S00", "T88"},
	{20, "External causes of morbidity", "V00", "Y99"},
	{21, "Factors influencing health status and contact with health services", "Z00", "Z99"},
	{22, "Codes for special purposes", "U00", "U85"},
}

// ChapterOf returns the ICD-10-CM chapter of a code (nil if none).
func ChapterOf(code string) *Chapter {
	c := Normalize(code)
	if len(c) < 3 {
		return nil
	}
	cat := c[:3]
	for i := range Chapters {
		ch := &Chapters[i]
		if cat >= ch.From && cat <= ch.To {
			return ch
		}
	}
	return nil
}

// PCSSections names the first character of an ICD-10-PCS code.
var PCSSections = map[byte]string{
	'0': "Medical and Surgical", '1': "Obstetrics", '2': "Placement", '3': "Administration",
	'4': "Measurement and Monitoring", '5': "Extracorporeal or Systemic Assistance and Performance",
	'6': "Extracorporeal or Systemic Therapies", '7': "Osteopathic", '8': "Other Procedures", '9': "Chiropractic",
	'B': "Imaging", 'C': "Nuclear Medicine", 'D': "Radiation Therapy", 'F': "Physical Rehabilitation and Diagnostic Audiology",
	'G': "Mental Health", 'H': "Substance Abuse Treatment", 'X': "New Technology",
}

// Category is the 3-character category (CM) or table (PCS) of a code.
func Category(code string) string {
	c := Normalize(code)
	if len(c) < 3 {
		return c
	}
	return strings.ToUpper(c[:3])
}
