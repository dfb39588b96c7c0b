/** Word lists for plausible Indian tutoring institutes, their teachers, students and batches. */

export const FIRST_NAMES = [
  'Aarav', 'Vivaan', 'Aditya', 'Vihaan', 'Arjun', 'Sai', 'Reyansh', 'Ayaan', 'Krishna', 'Ishaan',
  'Shaurya', 'Atharv', 'Advik', 'Pranav', 'Kabir', 'Rohan', 'Dhruv', 'Kian', 'Vishwas', 'Rudra',
  'Ananya', 'Diya', 'Aadhya', 'Saanvi', 'Pari', 'Anika', 'Navya', 'Myra', 'Sara', 'Ira',
  'Aarohi', 'Kiara', 'Riya', 'Meera', 'Tara', 'Chitra', 'Nisha', 'Pooja', 'Sneha', 'Kavya',
  'Farhan', 'Imran', 'Zoya', 'Ayesha', 'Gurpreet', 'Harleen', 'Joseph', 'Maria', 'Tenzin', 'Lhamo',
] as const;

export const LAST_NAMES = [
  'Sharma', 'Verma', 'Gupta', 'Singh', 'Kumar', 'Patel', 'Shah', 'Mehta', 'Iyer', 'Rao',
  'Reddy', 'Nair', 'Menon', 'Pillai', 'Das', 'Bose', 'Sen', 'Banerjee', 'Chatterjee', 'Mukherjee',
  'Joshi', 'Kulkarni', 'Deshpande', 'Jain', 'Agarwal', 'Khan', 'Ansari', 'Fernandes', 'Dsouza', 'Gill',
] as const;

export const INSTITUTE_WORDS = [
  'Vidya', 'Gyan', 'Prerna', 'Shiksha', 'Akash', 'Disha', 'Pragati', 'Saraswati', 'Excel', 'Bright',
  'Pinnacle', 'Summit', 'Lakshya', 'Udaan', 'Nalanda',
] as const;

export const INSTITUTE_KINDS = ['Academy', 'Classes', 'Tutorials', 'Learning Centre', 'Coaching'] as const;

export const SUBJECTS = [
  'Physics', 'Chemistry', 'Mathematics', 'Biology', 'English', 'Computer Science', 'Accountancy',
  'Economics', 'Hindi', 'Social Science',
] as const;

export const BATCHES = ['Morning Batch', 'Evening Batch', 'Weekend Batch', 'Crash Course', 'Foundation', 'JEE Batch', 'NEET Batch'] as const;

export const TOPICS = [
  'Revision', 'Doubt clearing', 'Chapter test', 'Numericals', 'Concepts', 'Practice set', 'Mock test discussion',
  'Previous year questions', 'Worksheet', 'Introduction',
] as const;

export const EMAIL_DOMAINS = ['gmail.com', 'yahoo.co.in', 'outlook.com', 'rediffmail.com', 'hotmail.com'] as const;

export const LEAVE_REASONS = [
  'left the meeting',
  'lost connection',
  'host ended the meeting',
  'removed by host',
] as const;

export const RECORDING_TYPES = ['shared_screen_with_speaker_view', 'active_speaker', 'audio_only'] as const;

export const SHARE_CONTENTS = [
  { content: 'application', source: 'in_meeting', file_link: '' },
  { content: 'desktop', source: 'in_meeting', file_link: '' },
  { content: 'whiteboard', source: 'in_meeting', file_link: '' },
  { content: 'file', source: 'google_drive', file_link: 'https://drive.google.com/file/d/' },
] as const;
